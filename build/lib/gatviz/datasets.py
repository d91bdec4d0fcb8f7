"""Graph datasets: one :class:`GraphDataset` per name, whatever its source.

Every dataset carries the PyG ``Data`` (``x``, ``edge_index``, ``y`` and the three split masks),
class names, node display names, a description and, where the truth is known, named boolean edge
masks aligned with ``data.edge_index``. ``load_dataset(name)`` is the one entry point.

Sources: the embedded Zachary karate club (the default, no network), the Planetoid citation graphs
and the node-classification benchmarks of :mod:`gatviz.benchmarks` (downloaded once and cached
under :func:`data_dir`), seeded synthetic graphs (:mod:`gatviz.synthetic`) and a user's CSV files
(:mod:`gatviz.csv_graph`).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor
from torch_geometric.data import Data

from gatviz.benchmarks import BENCHMARKS
from gatviz.errors import DatasetError
from gatviz.tasks import check_task
from gatviz.neighbourhood import InEdges, in_edges

DEFAULT_DATASET = "karate"

PLANETOID = {
    # name: (PyG name, class names in label order, description)
    "cora": (
        "Cora",
        [
            "Theory",
            "Reinforcement_Learning",
            "Genetic_Algorithms",
            "Neural_Networks",
            "Probabilistic_Methods",
            "Case_Based",
            "Rule_Learning",
        ],
        "Cora citation graph: 2,708 machine-learning papers linked by citations, each described "
        "by a 1,433-word bag of words, labelled with one of 7 subjects. Standard Planetoid split: "
        "20 training papers per class, 500 for validation, 1,000 for testing. The GAT paper "
        "reports 83.0 ± 0.7 % test accuracy.",
    ),
    "citeseer": (
        "CiteSeer",
        ["AI", "ML", "IR", "DB", "Agents", "HCI"],
        "CiteSeer citation graph: 3,327 computer-science papers with 3,703-word bag-of-words "
        "features in 6 areas. Standard Planetoid split (120 / 500 / 1,000). It includes 15 "
        "isolated papers without features; the GAT paper reports 72.5 ± 0.7 %.",
    ),
    "pubmed": (
        "PubMed",
        ["Diabetes Mellitus, Experimental", "Diabetes Mellitus Type 1", "Diabetes Mellitus Type 2"],
        "PubMed diabetes citation graph: 19,717 papers with 500 TF-IDF features in 3 classes. "
        "Standard Planetoid split (60 / 500 / 1,000). The GAT paper reports 79.0 ± 0.3 %.",
    ),
}
PLANETOID_RAW = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")

KARATE_DESCRIPTION = (
    "Zachary's karate club: 34 members of a university club and the 78 friendships between them, "
    "observed before the club split in two. Labels are PyG's 4 communities; node 0 is the "
    "instructor (Mr. Hi) and node 33 the administrator (John A.). Features are one-hot node ids, "
    "so a GAT can only learn from who is linked to whom. Embedded in PyG: needs no network."
)


SPLITS = ("train", "val", "test")  # the codes 0, 1, 2 of GraphDataset.graph_split


@dataclass
class GraphDataset:
    """A set of graphs ready for a GAT (often a set of one), with everything the views need.

    The graphs are stored as one disjoint union, as PyG batches them: graph g owns the nodes
    ``graph_ptr[g]:graph_ptr[g + 1]`` and the edges between them, so a GAT's α on the union is
    its α on each graph. A single graph has ``graph_ptr = [0, N]``. ``task`` says what is
    predicted: ``node`` (one class per node), ``multilabel`` (a 0/1 vector per node, as PPI)
    or ``graph`` (one class per graph, ``graph_y``, named by ``graph_class_names``). For a graph
    task ``data.y`` and ``class_names`` describe the nodes (a molecule's atom types): they colour
    a view and are never trained on. Sets of several graphs split whole graphs
    (``graph_split``: 0 train, 1 val, 2 test), and the node masks follow that split.

    Shapes:
        data.x: (N, F), data.edge_index: (2, E), data.y: (N,) with -1 for unlabelled nodes
        ((N, L) of 0/1 for ``multilabel``), data.{train,val,test}_mask: (N,),
        edge_masks[name]: (E,), graph_ptr: (G + 1,), graph_split: (G,), graph_y: (G,),
        edge_types: (E,)
    """

    name: str
    data: Data
    class_names: list[str]
    node_names: list[str]
    description: str
    edge_masks: dict[str, Tensor] = field(default_factory=dict)
    task: str = "node"  # 'node', 'multilabel' or 'graph' (see gatviz.tasks)
    # Where each graph's nodes start, then N; left empty: one graph, every node.
    graph_ptr: Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    graph_split: Tensor | None = None  # None: the node masks split a single graph
    graph_y: Tensor | None = None  # graph labels, for the 'graph' task
    graph_names: list[str] = field(default_factory=list)
    graph_class_names: list[str] = field(default_factory=list)  # the classes of graph_y
    edge_types: Tensor | None = None  # e.g. bond types, named in the edge hover
    edge_type_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_task(self.task)
        if self.graph_ptr.numel() == 0:
            self.graph_ptr = torch.tensor([0, int(self.data.num_nodes)])
        if not self.graph_names:
            self.graph_names = [f"graph {g}" for g in range(self.num_graphs)]
        if self.task == "graph" and self.graph_y is None:
            raise DatasetError(f"{self.name}: a graph task needs one label per graph (graph_y)")

    @property
    def num_nodes(self) -> int:
        return int(self.data.num_nodes)

    @property
    def num_edges(self) -> int:
        return int(self.data.edge_index.size(1))

    @property
    def num_graphs(self) -> int:
        return int(self.graph_ptr.numel()) - 1

    @cached_property
    def batch(self) -> Tensor:
        """The graph of every node, PyG's ``batch`` vector. Shapes: (N,)."""
        return torch.repeat_interleave(torch.arange(self.num_graphs), self.graph_ptr.diff())

    @cached_property
    def in_edges(self) -> InEdges:
        """Every node's incoming edges (:mod:`gatviz.neighbourhood`), indexed on first use."""
        return in_edges(self.data.edge_index, self.num_nodes)

    @property
    def num_features(self) -> int:
        return int(self.data.x.size(1))

    @property
    def num_classes(self) -> int:
        """What the model outputs: node classes, graph classes, or a multi-label task's labels."""
        return len(self.graph_class_names if self.task == "graph" else self.class_names)

    @property
    def target_names(self) -> list[str]:
        return self.graph_class_names if self.task == "graph" else self.class_names

    @property
    def targets(self) -> Tensor:
        """What the task predicts: ``graph_y`` for graph tasks, else the node labels."""
        if self.task == "graph":
            if self.graph_y is None:
                raise DatasetError(f"{self.name} is a graph task without graph labels")
            return self.graph_y
        return self.data.y

    @property
    def has_labels(self) -> bool:
        if (
            self.num_classes == 0
            or (self.task == "graph" and self.graph_y is None)
            or not self.targets.numel()
        ):
            return False
        return self.task == "multilabel" or bool((self.targets >= 0).any())

    def split_graphs(self, split: str) -> Tensor:
        """The graphs of ``split`` ('train', 'val', 'test' or 'all'). Shapes: (G_split,)."""
        if split == "all" or self.graph_split is None:
            return torch.arange(self.num_graphs)
        if split not in SPLITS:
            raise DatasetError(f"split must be one of {SPLITS + ('all',)} (got {split!r})")
        return (self.graph_split == SPLITS.index(split)).nonzero().flatten()

    def score_rows(self, split: str) -> Tensor:
        """The rows of the task's output that ``split`` scores: its graphs for a graph task,
        else its labelled nodes ('all': every scored row). Shapes: (M,)."""
        if self.task == "graph":
            return self.split_graphs(split)
        masks = [getattr(self.data, f"{s}_mask") for s in (SPLITS if split == "all" else (split,))]
        mask = torch.stack(masks).any(0)
        if self.task == "node":
            mask = mask & (self.data.y >= 0)
        return mask.nonzero().flatten()

    def fingerprint(self) -> dict[str, object]:
        """The sizes a trained model depends on, stored in checkpoints to check fit."""
        return {
            "nodes": self.num_nodes,
            "edges": self.num_edges,
            "features": self.num_features,
            "classes": self.num_classes,
        }

    def summary(self) -> dict[str, object]:
        """Key numbers for listings and sidebars."""
        summary = {
            "name": self.name,
            **self.fingerprint(),
            "task": self.task,
            "graphs": self.num_graphs,
            "train": int(self.data.train_mask.sum()),
            "val": int(self.data.val_mask.sum()),
            "test": int(self.data.test_mask.sum()),
            "ground_truth": sorted(self.edge_masks),
        }
        if self.graph_split is not None:
            summary.update(
                {f"{split}_graphs": int(self.split_graphs(split).numel()) for split in SPLITS}
            )
        return summary

    def nodes_of(self, graphs: Tensor) -> Tensor:
        """The nodes of the given graphs, graph after graph. Shapes: (G_k,) -> (N_k,)."""
        sizes = self.graph_ptr.diff()[graphs]
        starts = torch.repeat_interleave(self.graph_ptr[graphs], sizes)
        offsets = torch.repeat_interleave(sizes.cumsum(0) - sizes, sizes)
        return starts + torch.arange(int(sizes.sum())) - offsets

    def graph_split_name(self, g: int) -> str:
        return "all" if self.graph_split is None else SPLITS[int(self.graph_split[g])]

    def graph(self, g: int) -> "GraphDataset":
        """Graph ``g`` alone, as a dataset of one graph with nodes numbered from 0."""
        if not 0 <= g < self.num_graphs:
            raise DatasetError(
                f"graph {g} does not exist: {self.name} has graphs 0 to {self.num_graphs - 1}"
            )
        if self.num_graphs == 1:
            return self
        return self.subset(torch.tensor([g]), f"{self.name} · {self.graph_names[g]}")

    def subset(self, graphs: Tensor, name: str | None = None) -> "GraphDataset":
        """The given graphs alone (in that order, each at most once), their nodes renumbered
        from 0, with their split, labels, names and edge annotations."""
        if torch.unique(graphs).numel() != graphs.numel():
            raise DatasetError("a subset names each graph at most once")
        sizes = self.graph_ptr.diff()[graphs]
        nodes = self.nodes_of(graphs)
        new_id = torch.full((self.num_nodes,), -1, dtype=torch.long)
        new_id[nodes] = torch.arange(nodes.numel())
        edge_index = self.data.edge_index
        keep = (new_id[edge_index[1]] >= 0).nonzero().flatten()
        if graphs.numel() > 1:  # edges grouped by graph in the new order, as graph_set makes
            keep = keep[torch.argsort(new_id[edge_index[1, keep]], stable=True)]
        ptr = torch.zeros(graphs.numel() + 1, dtype=torch.long)
        ptr[1:] = sizes.cumsum(0)
        split = None if self.graph_split is None else self.graph_split[graphs]
        masks = {f"{s}_mask": getattr(self.data, f"{s}_mask")[nodes] for s in SPLITS}
        data = Data(
            x=self.data.x[nodes],
            edge_index=new_id[edge_index[:, keep]],
            y=self.data.y[nodes],
            num_nodes=nodes.numel(),
            **masks,
        )
        return GraphDataset(
            name or self.name,
            data,
            self.class_names,
            [self.node_names[v] for v in nodes.tolist()],
            self.description,
            {k: m[keep] for k, m in self.edge_masks.items()},
            task=self.task,
            graph_ptr=ptr,
            graph_split=split,
            graph_y=None if self.graph_y is None else self.graph_y[graphs],
            graph_names=[self.graph_names[g] for g in graphs.tolist()],
            graph_class_names=self.graph_class_names,
            edge_types=None if self.edge_types is None else self.edge_types[keep],
            edge_type_names=self.edge_type_names,
        )

    def node_index(self, key: str | int) -> int:
        """Resolve a node by id (``12``, ``"12"``) or by its display name."""
        if isinstance(key, str) and key.strip().lstrip("-").isdigit():
            key = int(key)
        if isinstance(key, int):
            if not 0 <= key < self.num_nodes:
                raise DatasetError(
                    f"node {key} does not exist: {self.name} has nodes 0 to {self.num_nodes - 1}"
                )
            return key
        try:
            return self.node_names.index(key)
        except ValueError:
            raise DatasetError(
                f"no node named {key!r} in {self.name}; give a node id "
                f"(0 to {self.num_nodes - 1}) or an exact name"
            ) from None


def data_dir() -> Path:
    """Where downloaded datasets are cached: ``$GATVIZ_DATA_DIR`` or the per-user cache dir."""
    env = os.environ.get("GATVIZ_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gatviz")) / "datasets"


def random_split(
    y: Tensor, seed: int, train: float = 0.6, val: float = 0.2
) -> tuple[Tensor, Tensor, Tensor]:
    """Seeded stratified split of the labelled nodes (``y >= 0``) into train/val/test masks.

    Each class gives at least one node to training when it has any, so every class is seen.
    """
    generator = torch.Generator().manual_seed(seed)
    masks = [torch.zeros(y.numel(), dtype=torch.bool) for _ in range(3)]
    for c in torch.unique(y[y >= 0]).tolist():
        idx = (y == c).nonzero().flatten()
        idx = idx[torch.randperm(idx.numel(), generator=generator)]
        n_train = max(1, round(train * idx.numel()))
        n_val = round(val * idx.numel())
        masks[0][idx[:n_train]] = True
        masks[1][idx[n_train : n_train + n_val]] = True
        masks[2][idx[n_train + n_val :]] = True
    return masks[0], masks[1], masks[2]


def attach_split(data: Data, seed: int) -> Data:
    data.train_mask, data.val_mask, data.test_mask = random_split(data.y, seed)
    return data


def load_karate(seed: int = 0) -> GraphDataset:
    """Zachary's karate club from PyG, with a seeded 60/20/20 split (PyG gives 4 train nodes)."""
    from torch_geometric.datasets import KarateClub

    source = KarateClub()[0]
    data = Data(x=source.x.float(), edge_index=source.edge_index, y=source.y)
    names = [f"member {i}" for i in range(data.num_nodes)]
    names[0], names[33] = "Mr. Hi (0)", "John A. (33)"
    return GraphDataset(
        "karate",
        attach_split(data, seed),
        [f"community {c}" for c in range(int(data.y.max()) + 1)],
        names,
        KARATE_DESCRIPTION,
    )


def planetoid_missing_message(name: str, root: Path) -> str:
    pyg_name = PLANETOID[name][0]
    raw = root / pyg_name / "raw"
    files = ", ".join(f"ind.{pyg_name.lower()}.{suffix}" for suffix in PLANETOID_RAW)
    return (
        f"could not download {pyg_name}; to work offline put the Planetoid raw files "
        f"{files} in {raw} (or point GATVIZ_DATA_DIR at a folder that has "
        f"{pyg_name}/raw/)"
    )


def load_planetoid(name: str, root: Path | None = None) -> GraphDataset:
    """A Planetoid citation graph with row-normalised features, as in the GAT paper.

    Downloads into ``root`` (default :func:`data_dir`) on first use and reads the cache after.
    """
    from torch_geometric.datasets import Planetoid
    import torch_geometric.transforms as T

    pyg_name, class_names, description = PLANETOID[name]
    root = Path(root) if root is not None else data_dir()
    try:
        dataset = Planetoid(str(root), pyg_name, transform=T.NormalizeFeatures())
    except Exception as error:  # noqa: BLE001 - any failure to fetch or read means the same fix
        raise DatasetError(f"{planetoid_missing_message(name, root)} ({error})") from error
    source = dataset[0]
    data = Data(
        x=source.x,
        edge_index=source.edge_index,
        y=source.y,
        train_mask=source.train_mask,
        val_mask=source.val_mask,
        test_mask=source.test_mask,
    )
    return GraphDataset(
        name, data, class_names, [f"paper {i}" for i in range(data.num_nodes)], description
    )


def load_downloaded(name: str, root: Path | None = None, seed: int = 0) -> GraphDataset:
    """A graph of :data:`gatviz.benchmarks.BENCHMARKS`, downloaded into ``root`` (default
    :func:`data_dir`) on first use; a seeded 60/20/20 split where it has none of its own."""
    from gatviz.benchmarks import BENCHMARKS, load_benchmark

    root = Path(root) if root is not None else data_dir()
    data, has_split = load_benchmark(name, root)
    if not has_split:
        attach_split(data, seed)
    classes = int(data.y.max()) + 1 if data.y.numel() else 0
    return GraphDataset(
        name,
        data,
        [f"class {c}" for c in range(classes)],
        [f"node {i}" for i in range(data.num_nodes)],
        BENCHMARKS[name].description,
    )


def _synthetic(name: str) -> Callable[..., GraphDataset]:
    from gatviz import synthetic, synthetic_sets

    loaders: dict[str, Callable[..., GraphDataset]] = {
        "ba-shapes": synthetic.load_ba_shapes,
        "planted": synthetic.load_planted,
        "dictionary-lookup": synthetic.load_dictionary_lookup,
        "ba-2motif": synthetic_sets.load_ba_2motif,
        "dictionary-lookup-set": synthetic_sets.load_dictionary_lookup_set,
        "neighbour-colours": synthetic_sets.load_neighbour_colours,
    }
    return loaders[name]


DATASETS: dict[str, str] = {
    "karate": "Zachary's karate club (34 nodes, embedded, no network)",
    "cora": "Planetoid Cora citation graph (2,708 papers, 7 subjects; downloaded once)",
    "citeseer": "Planetoid CiteSeer citation graph (3,327 papers, 6 areas; downloaded once)",
    "pubmed": "Planetoid PubMed citation graph (19,717 papers, 3 classes; downloaded once)",
    "ba-shapes": "synthetic BA graph with house motifs; ground-truth motif edges",
    "planted": "synthetic communities with marked cross-community noise edges",
    "dictionary-lookup": "synthetic key/query lookup that GATv2 can learn and GAT cannot",
    **{name: spec.summary for name, spec in BENCHMARKS.items()},
    "ppi": "PPI: 24 protein graphs, 121 labels per node, inductive split 20/2/2 (downloaded once)",
    "mutag": "MUTAG: 188 molecules, mutagenic or not (TUDataset; downloaded once)",
    "ba-2motif": "synthetic graphs with a house or a 5-cycle; the label says which",
    "dictionary-lookup-set": "the GATv2 paper's DictionaryLookup: one graph per permutation, "
    "unseen combinations in test",
    "neighbour-colours": "random graphs; a node's label is its neighbours' commonest colour",
}
SYNTHETIC = (
    "ba-shapes",
    "planted",
    "dictionary-lookup",
    "ba-2motif",
    "dictionary-lookup-set",
    "neighbour-colours",
)
GRAPH_SETS = ("ppi", "mutag")  # sets of many graphs, fetched once into the data directory
DOWNLOADED = (*PLANETOID, *BENCHMARKS, *GRAPH_SETS)  # fetched once into the data directory
TASK_OF = {"ppi": "multilabel", "mutag": "graph", "ba-2motif": "graph"}  # else 'node'


def dataset_parameters(name: str) -> dict[str, object]:
    """The parameters a named dataset takes, with their defaults (only synthetic graphs have
    any; a Planetoid graph's download directory is where it is cached, not what it is)."""
    if name not in SYNTHETIC:
        return {}
    signature = inspect.signature(_synthetic(name))
    return {
        key: p.default
        for key, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def load_dataset(
    name: str = DEFAULT_DATASET, *, root: Path | None = None, seed: int = 0, **params
) -> GraphDataset:
    """Load a dataset by name (see :data:`DATASETS`); ``params`` go to the synthetic generators.

    CSV graphs are loaded with :func:`gatviz.csv_graph.load_csv`, since they need files.
    """
    key = name.lower()
    if key not in DATASETS:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)} or load your own CSV"
        )
    if params and key not in SYNTHETIC:
        raise DatasetError(f"{key} takes no parameters (got {sorted(params)})")
    if key == "karate":
        return load_karate(seed)
    if key in PLANETOID:
        return load_planetoid(key, root)
    if key in BENCHMARKS:
        return load_downloaded(key, root, seed)
    if key in GRAPH_SETS:
        from gatviz import graph_benchmarks

        return (
            graph_benchmarks.load_ppi(root)
            if key == "ppi"
            else graph_benchmarks.load_mutag(root, seed)
        )
    return _synthetic(key)(seed=seed, **params)
