"""Catalogue of public datasets: every file pinned to a commit with its checksum, and what the
catalogue knows of each election (its id, title, ruling choice, quirks, what the data lack).

The Russian federal elections come from the public GitHub repository dkobak/elections
(folder data/), pinned to one commit because the files on master have changed over time.
Downloads and their verification are :mod:`smartvote.data.download`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smartvote.data.importers.federal import FederalSpec
from smartvote.errors import UnknownElectionError

COMMIT = "8003707eb94e3a1e69f8b1b965cdf93f80153808"
BASE_URL = f"https://github.com/dkobak/elections/raw/{COMMIT}/data"

_DUMA = "ЕДИНАЯ РОССИЯ"


@dataclass(frozen=True)
class DatasetFile:
    """One file of the dataset and how a download of it is verified.

    ``sha256`` where it could be computed from a copy; otherwise ``git_blob``, the id the
    repository's tree records at the pinned commit (the SHA-1 of ``"blob <size>\\0" + content``):
    a weaker guarantee (SHA-1), so the SHA-256 of the first verified download is recorded
    beside the cached file and every later use is checked against it.
    """

    name: str
    sha256: str | None = None
    git_blob: str | None = None

    @property
    def url(self) -> str:
        return f"{BASE_URL}/{self.name}"


@dataclass(frozen=True)
class Dataset:
    """One election of the public dataset: its files (the station file first, then any
    supplement such as 2024's remote electronic voting), how to import them, and what the
    dataset lacks (``notes``, stated by ``summary`` and ``report``)."""

    year: int
    spec: FederalSpec
    files: tuple[DatasetFile, ...]
    notes: tuple[str, ...] = ()

    @property
    def election_id(self) -> str:
        return self.spec.election_id

    @property
    def file_name(self) -> str:
        return self.files[0].name

    @property
    def url(self) -> str:
        return self.files[0].url

    @property
    def sha256(self) -> str | None:
        return self.files[0].sha256


def _entry(
    year: int,
    kind: str,
    title: str,
    ruling: str,
    *files: DatasetFile,
    notes: tuple[str, ...] = (),
    districts_from_oik: bool = False,
) -> Dataset:
    contest = {"duma": "federal-list", "president": "president", "referendum": "referendum"}[kind]
    spec = FederalSpec(f"russia-{kind}-{year}", title, ruling, contest, districts_from_oik=districts_from_oik)
    return Dataset(year, spec, files, notes)


def _zip(year: int, sha256: str | None = None, git_blob: str | None = None) -> DatasetFile:
    return DatasetFile(f"{year}.csv.zip", sha256, git_blob)


#: Every file of the dataset at the pinned commit. 2000 and 2003 could not be copied here, so
#: they are verified by the git blob ids of the repository's tree (untested on real files:
#: docs/datasets.md). The notes quote the dataset's own README (data/README.md at the commit).
CATALOGUE: dict[str, Dataset] = {
    d.election_id: d
    for d in (
        _entry(
            2000,
            "president",
            "Russia, presidential election 2000",
            "Путин",
            _zip(2000, git_blob="c35973644674e3f9b9b64205e27fd629ba07f7bb"),
            notes=(
                "the dataset has no station data for 104 constituencies (Chechnya, Yakutia and "
                "some others; 2,930,483 registered voters) nor for stations abroad",
            ),
        ),
        _entry(
            2003,
            "duma",
            "Russia, State Duma 2003 (party lists)",
            _DUMA,
            _zip(2003, git_blob="7a7403ab4e6caf48162f558dd5e3154531f15c79"),
        ),
        _entry(
            2004,
            "president",
            "Russia, presidential election 2004",
            "Путин",
            _zip(2004, "dc28d05966d4e8845d8db5f470d8a2a123a5373d3668111265b5c282352f5298"),
        ),
        _entry(
            2007,
            "duma",
            "Russia, State Duma 2007 (party lists)",
            _DUMA,
            _zip(2007, "11fe1fc48857a274959843aeb731b7f0e622c6120530e9488f7326c2c1258e2b"),
        ),
        _entry(
            2008,
            "president",
            "Russia, presidential election 2008",
            "Медведев",
            _zip(2008, "3177252f9c3391d739fa6f495c7669570475f848433a2bcea1b7a51c86e078ea"),
        ),
        _entry(
            2011,
            "duma",
            "Russia, State Duma 2011 (party lists)",
            _DUMA,
            _zip(2011, "fd8aeceeebe92664872cf6fcaa43a11c2bf3f4914d9667bbd9bf2df6972cbd8f"),
        ),
        _entry(
            2012,
            "president",
            "Russia, presidential election 2012",
            "Путин",
            _zip(2012, "01e1a3296ecbaef2aafcbfda72dfdd7dcde86442a5a8715b1f7b978a99331590"),
        ),
        _entry(
            2016,
            "duma",
            "Russia, State Duma 2016 (party lists)",
            _DUMA,
            _zip(2016, "f07c07126f3c5bfc8958a1efad9532df44d1a94e13013ca2c2574827e28e13b2"),
            districts_from_oik=True,
        ),
        _entry(
            2018,
            "president",
            "Russia, presidential election 2018",
            "Путин",
            _zip(2018, "0ecfa337c877a2db52c99460307ea153b9e3a33810811685a1e92e8154287176"),
        ),
        _entry(
            2020,
            "referendum",
            "Russia, constitutional vote 2020",
            "ДА",
            _zip(2020, "1ec41f7065133142792bd96589991c90aa465b7d5b89c9496c05b8b97131011e"),
            notes=(
                "the file lacks the two remote electronic voting pseudo-stations (Moscow 1,051,155 "
                "and Nizhny Novgorod Oblast 139,571 registered voters: 1,190,726 in all), which the "
                "official totals (109,190,337 registered) include",
            ),
        ),
        _entry(
            2021,
            "duma",
            "Russia, State Duma 2021 (party lists)",
            _DUMA,
            _zip(2021, "b65fac633d642d496f52dc046fc4c1063b70b331cece7edcdfa8d76e63305a5d"),
            districts_from_oik=True,
        ),
        _entry(
            2024,
            "president",
            "Russia, presidential election 2024",
            "Путин",
            _zip(2024, "d4a18472d021efac9c269819a5b0e801daca1e486a7f48fc3981b4b241907313"),
            DatasetFile(
                "2024-electronic-voting.csv",
                "330834edc558df924a0d0421b4f34c448ab9737d4b0ef822a3cd723337501b8c",
            ),
            notes=(
                "the official turnout (77.49%) also counts 2,268 stations in four annexed regions "
                "(Donetsk, Luhansk, Zaporizhzhia, Kherson) whose station data were never released",
            ),
        ),
    )
}
#: Each catalogue file's name -> its election and the file.
BY_FILE_NAME: dict[str, tuple[Dataset, DatasetFile]] = {
    f.name: (d, f) for d in CATALOGUE.values() for f in d.files
}


#: What the recommendation engine knows of particular elections (docs/engine.md):
#: the prior election whose list results are a forecast's baseline (the previous State Duma
#: party lists at the same stations) ...
BASELINE_OF = {
    "russia-duma-2021": "russia-duma-2016",
    "spb-2021-duma": "russia-duma-2016",
    "spb-2021-city": "russia-duma-2016",
    "russia-duma-2016": "russia-duma-2011",
}
#: ... the training pair of its error scales (it must not include the election tested) ...
TRAINING_PAIR = ("russia-duma-2011", "russia-duma-2016")
#: ... the first day of voting, which analyst adjustments must predate (the Central Election
#: Commission's calendar: 18 September 2016; 17-19 September 2021) ...
VOTE_DAY = {
    "russia-duma-2016": date(2016, 9, 18),
    "russia-duma-2021": date(2021, 9, 17),
    "spb-2021-duma": date(2021, 9, 17),
    "spb-2021-city": date(2021, 9, 17),
    "spb-2021": date(2021, 9, 17),
}
#: ... the ruling party of the Russian elections (its id in the party identity mapping) ...
RULING_PARTY = "united-russia"
#: ... and St Petersburg's State Duma single-member districts in 2021 (the data's
#: ``federal-smd-211`` ... ``federal-smd-218``; its city districts are 1-25).
SPB_DUMA_DISTRICTS = range(211, 219)


def notes_for(election_id: str) -> tuple[str, ...]:
    """What the dataset lacks for a catalogue election (nothing for other elections)."""
    entry = CATALOGUE.get(election_id)
    return entry.notes if entry else ()


def dataset(election_id: str) -> Dataset:
    if election_id not in CATALOGUE:
        known = ", ".join(CATALOGUE)
        raise UnknownElectionError(f"unknown election {election_id!r}; the catalogue has: {known}")
    return CATALOGUE[election_id]


# --- District-level sources (Moscow City Duma 2014 and 2019), converted by
# smartvote.data.importers.moscow; each file pinned to a commit and checked by its SHA-256.


@dataclass(frozen=True)
class SourceFile(DatasetFile):
    """One file of another public GitHub repository at a pinned commit (verified like every
    :class:`DatasetFile`; cached under a name that carries the repository, commit and path)."""

    repository: str = ""  # owner/name
    commit: str = ""
    path: str = ""  # inside the repository

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{self.path}"


def _source(pinned: tuple[str, str], path: str, sha256: str) -> SourceFile:
    repository, commit = pinned
    name = f"{repository.replace('/', '+')}+{commit[:12]}+{path.replace('/', '+')}"
    return SourceFile(name, sha256, None, repository, commit, path)


MOSCOW_EVILMUCEDIN = ("evilmucedin/moscowElections2019", "20464155ec1e9bf26cc02cbedfc1a2a45b4c0f84")
MOSCOW_BLUEFLYINGPANDA = ("blueflyingpanda/ElectionsResearch", "7b40c219c12bb229dd59ba0271ea063b674572d4")
MOSCOW_SOURCES: tuple[SourceFile, ...] = (
    _source(
        MOSCOW_EVILMUCEDIN,
        "data/2014.csv",
        "5fb8455dd33b673eff203cb568d0e62be3b358f729c8ad6494eeac540a6446ca",
    ),
    _source(
        MOSCOW_EVILMUCEDIN,
        "data/2019.csv",
        "e9551aad0dac143227c5e818adad9ca6b6183b6b1340dadc32546bffb0821a7c",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/data6.csv",
        "36a104b7838dde92844486caa6eea2d1ce426aa848bef947631eafc4754650ce",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/data7.csv",
        "4db5c0dac2971f85aa7e7c54b5ca3e3530d4e284b1a9a50e50fdf2abd7083e63",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/clean_data7.csv",
        "247c8fca24a49d5c2c9bd590391691b5349b42bce1a63a59cd8fda398cd6517a",
    ),
    _source(
        MOSCOW_BLUEFLYINGPANDA,
        "mosgorduma/mandates_to_districts_to_uiks.csv",
        "e013e35e2bf04d042d86f37750661704072cf4546b11fd2ae0e630a9aac8d8f5",
    ),
)
