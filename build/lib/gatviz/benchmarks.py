"""The standard node-classification graphs beyond Planetoid, through PyG's loaders and ``ogb``.

Each is downloaded once into the data directory (:func:`gatviz.datasets.data_dir`, or the
``root`` given) by its own loader and read from there after; without a network, the error says
which raw files to put where. Splits: the loader's own where it has one (WikiCS's first of its
20, Flickr's, ogbn-arxiv's by year), else gatviz's seeded 60/20/20 split per class. Features are
kept as the loaders give them.

``ogb`` 1.3.6 saves its processed graph with ``torch.save`` and reads it back with a
``torch.load`` that PyTorch 2.6 and later refuse for PyG's data classes; gatviz allows exactly
those classes (still no arbitrary unpickling), and only for the file ogb wrote itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch_geometric.data import Data

from gatviz.errors import DatasetError


@dataclass(frozen=True)
class Benchmark:
    """Where a benchmark graph comes from and what it is."""

    loader: str  # the PyG dataset class, or 'ogb'
    name: str  # the loader's name for it
    folder: str  # where its raw files go, relative to the data directory
    raw: tuple[str, ...]  # the raw files, for the offline message
    summary: str  # one line, for listings
    description: str


BENCHMARKS: dict[str, Benchmark] = {
    "amazon-computers": Benchmark(
        "Amazon",
        "Computers",
        "Computers/raw",
        ("amazon_electronics_computers.npz",),
        "Amazon co-purchase graph, computers (13,752 products, 10 categories; downloaded once)",
        "Amazon Computers (Shchur et al. 2018): 13,752 products linked when often bought "
        "together, 767-word bag-of-words reviews as features, 10 product categories. No "
        "standard split: gatviz's seeded 60/20/20 split per class.",
    ),
    "amazon-photo": Benchmark(
        "Amazon",
        "Photo",
        "Photo/raw",
        ("amazon_electronics_photo.npz",),
        "Amazon co-purchase graph, photo (7,650 products, 8 categories; downloaded once)",
        "Amazon Photo (Shchur et al. 2018): 7,650 products linked when often bought together, "
        "745-word bag-of-words reviews as features, 8 categories. Seeded 60/20/20 split.",
    ),
    "coauthor-cs": Benchmark(
        "Coauthor",
        "CS",
        "CS/raw",
        ("ms_academic_cs.npz",),
        "Coauthor CS co-authorship graph (18,333 authors, 15 fields; downloaded once)",
        "Coauthor CS (Shchur et al. 2018): 18,333 authors linked by co-authorship, 6,805 paper "
        "keywords as features, 15 fields of study. Seeded 60/20/20 split.",
    ),
    "coauthor-physics": Benchmark(
        "Coauthor",
        "Physics",
        "Physics/raw",
        ("ms_academic_phy.npz",),
        "Coauthor Physics co-authorship graph (34,493 authors, 5 fields; downloaded once)",
        "Coauthor Physics (Shchur et al. 2018): 34,493 authors, 8,415 paper keywords as "
        "features, 5 fields of study. Seeded 60/20/20 split.",
    ),
    "wikics": Benchmark(
        "WikiCS",
        "",
        "WikiCS/raw",
        ("data.json",),
        "WikiCS Wikipedia computer-science articles (11,701 articles, 10 areas; downloaded once)",
        "WikiCS (Mernyei & Cangea 2020): 11,701 Wikipedia articles on computer science linked "
        "by hyperlinks (made undirected), 300-dimensional GloVe text features, 10 areas. The "
        "first of its 20 training/validation splits and its test set.",
    ),
    "flickr": Benchmark(
        "Flickr",
        "",
        "Flickr/raw",
        ("adj_full.npz", "feats.npy", "class_map.json", "role.json"),
        "Flickr images sharing properties (89,250 images, 7 classes; downloaded once)",
        "Flickr (Zeng et al. 2020, GraphSAINT): 89,250 images linked when they share "
        "properties, 500-dimensional image features, 7 tag classes. Its own 50/25/25 split.",
    ),
    "ogbn-arxiv": Benchmark(
        "ogb",
        "ogbn-arxiv",
        "ogbn_arxiv/raw",
        (
            "edge.csv.gz",
            "node-feat.csv.gz",
            "node-label.csv.gz",
            "node_year.csv.gz",
            "num-node-list.csv.gz",
            "num-edge-list.csv.gz",
        ),
        "OGB arXiv CS citation graph (169,343 papers, 40 subjects; downloaded once)",
        "ogbn-arxiv (Open Graph Benchmark): 169,343 arXiv computer-science papers and their "
        "1,166,243 citations (each edge in both directions here, as GAT baselines use it), "
        "128-dimensional word2vec features, 40 subject areas. OGB's split by year: up to 2017 "
        "to train, 2018 to validate, 2019 on to test.",
    ),
}


def missing_message(key: str, root: Path) -> str:
    spec = BENCHMARKS[key]
    files = ", ".join(spec.raw)
    extra = (
        (
            f" and OGB's split files in {root / 'ogbn_arxiv' / 'split' / 'time'}, with an "
            f"empty {root / 'ogbn_arxiv' / 'RELEASE_v1.txt'}"
        )
        if spec.loader == "ogb"
        else ""
    )
    return (
        f"could not download {key}; to work offline put its raw files {files} in "
        f"{root / spec.folder}{extra} (or point GATVIZ_DATA_DIR at a folder that has them)"
    )


def load_benchmark(key: str, root: Path) -> tuple[Data, bool]:
    """The graph as PyG's ``Data`` with ``x``, ``edge_index``, ``y`` (-1 = no label) and, where
    the benchmark has a split, the masks; and whether it had one."""
    spec = BENCHMARKS[key]
    try:
        if spec.loader == "ogb":
            return _ogb(spec.name, root), True
        return _pyg(spec, root)
    except DatasetError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to fetch or read means the same fix
        raise DatasetError(f"{missing_message(key, root)} ({str(error)[:300]})") from error


def _pyg(spec: Benchmark, root: Path) -> tuple[Data, bool]:
    import torch_geometric.datasets as pyg_datasets

    loader = getattr(pyg_datasets, spec.loader)
    if spec.loader in ("Amazon", "Coauthor"):
        source = loader(str(root), spec.name)[0]
    elif spec.loader == "WikiCS":
        source = loader(str(root / "WikiCS"), is_undirected=True)[0]
    else:
        source = loader(str(root / spec.folder.split("/")[0]))[0]
    data = Data(x=source.x, edge_index=source.edge_index, y=source.y.flatten())
    if spec.loader == "WikiCS":  # 20 training/validation splits, one test set
        data.train_mask, data.val_mask = source.train_mask[:, 0], source.val_mask[:, 0]
        data.test_mask = source.test_mask
        return data, True
    if "train_mask" in source:
        data.train_mask, data.val_mask = source.train_mask, source.val_mask
        data.test_mask = source.test_mask
        return data, True
    return data, False


def _ogb(name: str, root: Path) -> Data:
    from ogb.nodeproppred import PygNodePropPredDataset
    from torch_geometric.data.data import DataEdgeAttr, DataTensorAttr
    from torch_geometric.data.storage import GlobalStorage
    from torch_geometric.utils import to_undirected

    release = root / name.replace("-", "_") / "RELEASE_v1.txt"
    if release.parent.is_dir() and not release.exists():
        # ogb would ask on the terminal whether to delete the folder; say it instead.
        raise DatasetError(
            f"{release.parent} exists without {release.name}; ogb treats that "
            f"as an outdated download. Add an empty {release.name} if the files "
            "there are current, or remove the folder to download it again"
        )
    with (
        torch.serialization.safe_globals([DataEdgeAttr, DataTensorAttr, GlobalStorage]),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        dataset = PygNodePropPredDataset(name, root=str(root))
        source = dataset[0]
    split = dataset.get_idx_split()
    n = source.num_nodes
    masks = []
    for part in ("train", "valid", "test"):
        mask = torch.zeros(n, dtype=torch.bool)
        mask[split[part]] = True
        masks.append(mask)
    return Data(
        x=source.x,
        edge_index=to_undirected(source.edge_index, num_nodes=n),
        y=source.y.flatten(),
        train_mask=masks[0],
        val_mask=masks[1],
        test_mask=masks[2],
    )
