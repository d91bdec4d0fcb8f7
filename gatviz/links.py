"""Links: everything needed to rebuild a model, as a URL's query, and back.

A :class:`Link` names a dataset (with its generator parameters), a model's architecture and
training settings, and the model's display name. Only what differs from the defaults is written,
so the default model on karate is ``?dataset=karate&model=karate+GAT``. Seeded training is
deterministic, so a link rebuilds the same weights wherever it is opened; the app also keeps
trained models in a cache keyed by :meth:`Link.key`.

What a link cannot carry (an uploaded CSV graph, a pack on the server, a checkpoint file) is kept
as a name and a kind, so the page opening the link can say what is missing instead of showing
something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from gatviz.config import ModelConfig, TrainConfig, parse_text
from gatviz.datasets import DATASETS, DEFAULT_DATASET, dataset_parameters
from gatviz.errors import GatvizError
from gatviz.limits import MAX_TEXT

CSV = "csv"  # the dataset name a link gives an uploaded CSV graph
PACK = "pack"  # ... and a pack from the server's pack folder (gatviz.pack.packs_in)
CHECKPOINT = "checkpoint"  # the source a link gives a model loaded from a file
DATA_PREFIX = "data."  # query keys of dataset parameters: data.seed=3
MAX_NAME = MAX_TEXT  # longest model or CSV name a link keeps


@dataclass(frozen=True)
class Link:
    """A dataset and (optionally) a model, as a link can carry them."""

    dataset: str = DEFAULT_DATASET  # a name from DATASETS, or CSV
    data_params: tuple = ()  # sorted (name, value) pairs, every parameter (defaults filled)
    csv_name: str = ""  # the uploaded CSV's or the pack's name, when dataset is CSV or PACK
    model_name: str = ""  # "" when the link has no model
    model_config: ModelConfig = field(default_factory=ModelConfig)
    train_config: TrainConfig = field(default_factory=TrainConfig)
    source: str = "trained"  # 'trained' (rebuildable from the settings) or CHECKPOINT

    @classmethod
    def for_dataset(cls, name: str, **params) -> "Link":
        """A named dataset with its parameters, the defaults filled in (so equal datasets give
        equal links); raises GatvizError for an unknown name or parameter."""
        if name not in DATASETS:
            raise GatvizError(
                f"unknown dataset {name[:MAX_NAME]!r}; choose one of {', '.join(DATASETS)}"
            )
        defaults = dataset_parameters(name)
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise GatvizError(
                f"{name} has no parameter(s) {unknown}"
                + (f"; it takes {sorted(defaults)}" if defaults else "")
            )
        return cls(name, tuple(sorted({**defaults, **params}.items())))

    @property
    def rebuildable(self) -> bool:
        """Whether the link's model can be trained again from the link alone."""
        return (
            bool(self.model_name) and self.source != CHECKPOINT and self.dataset not in (CSV, PACK)
        )

    def key(self) -> tuple:
        """What the model depends on: dataset, parameters and settings (not the name)."""
        return (self.dataset, self.data_params, self.model_config, self.train_config)

    def with_model(
        self,
        name: str,
        model_config: ModelConfig,
        train_config: TrainConfig,
        source: str = "trained",
    ) -> "Link":
        return replace(
            self,
            model_name=name[:MAX_NAME],
            model_config=model_config,
            train_config=train_config,
            source=source,
        )

    def to_query(self) -> dict[str, str]:
        query = {"dataset": self.dataset}
        if self.dataset in (CSV, PACK):
            query[self.dataset] = self.csv_name[:MAX_NAME]
        defaults = dataset_parameters(self.dataset)
        query.update(
            {
                DATA_PREFIX + key: str(value)
                for key, value in self.data_params
                if defaults.get(key) != value
            }
        )
        if self.model_name:
            query["model"] = self.model_name
            if self.source == CHECKPOINT:
                query["source"] = CHECKPOINT
            else:
                query.update(self.model_config.to_query())
                query.update(self.train_config.to_query())
        return query


LINK_KEYS = (
    {"dataset", "csv", "pack", "model", "source"}
    | set(ModelConfig().to_dict())
    | set(TrainConfig().to_dict())
)


def is_link_key(key: str) -> bool:
    """Whether a query key belongs to the link (the rest are a page's view controls)."""
    return key in LINK_KEYS or key.startswith(DATA_PREFIX)


def link_from_query(query: Mapping[str, str]) -> tuple[Link, list[str]]:
    """The link a URL's query describes, and a sentence for each part that could not be used
    (an unknown dataset, a bad setting, a file the link cannot carry)."""
    notes: list[str] = []
    name = str(query.get("dataset", DEFAULT_DATASET))
    if name == CSV:
        csv_name = str(query.get("csv", ""))[:MAX_NAME]
        notes.append(
            f"This link was made on an uploaded CSV graph ({csv_name or 'no name'}), "
            "and a link cannot carry a file: upload it on the Dataset page. Showing "
            f"{DEFAULT_DATASET} meanwhile."
        )
        return Link(), notes
    if name == PACK:
        pack_name = str(query.get("pack", ""))[:MAX_NAME]
        notes.append(
            f"This link was made on a pack from its server's pack folder "
            f"({pack_name or 'no name'}); choose it on the Dataset page (Graph: a pack on this "
            f"server) if this server has it. Showing {DEFAULT_DATASET} meanwhile."
        )
        return Link(), notes
    params = {
        key[len(DATA_PREFIX) :]: value
        for key, value in query.items()
        if key.startswith(DATA_PREFIX)
    }
    try:
        defaults = dataset_parameters(name) if name in DATASETS else {}
        link = Link.for_dataset(
            name,
            **{key: parse_text(key, value, defaults.get(key, "")) for key, value in params.items()},
        )
    except GatvizError as error:
        notes.append(
            f"The link's dataset could not be used ({error}); showing {DEFAULT_DATASET} instead."
        )
        return Link(), notes

    model_name = str(query.get("model", "")).strip()[:MAX_NAME]
    if not model_name:
        return link, notes
    if query.get("source") == CHECKPOINT:
        notes.append(
            f"This link shows a model loaded from a checkpoint file ({model_name}), "
            "and a link cannot carry a file: load the checkpoint on the Train page."
        )
        return replace(link, model_name=model_name, source=CHECKPOINT), notes
    try:
        model_config = ModelConfig.from_query(query)
        train_config = TrainConfig.from_query(query)
    except GatvizError as error:
        notes.append(f"The link's model settings could not be used ({error}).")
        return link, notes
    return link.with_model(model_name, model_config, train_config), notes
