"""Data-quality checks on a dataset's CSV records, in one streaming pass, and their messages.

:mod:`columnar` fills the same profiles from whole columns; both end in :func:`report`.

Rows are numbered as in a spreadsheet: the header is row 1, so the first data
row is row 2. That is the number a person opening the file will look for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lambdas.shared.settings import ModelSpec

# Spellings of "no value" that CSV exporters commonly write.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})


@dataclass(frozen=True)
class Limits:
    min_rows: int = 50
    max_missing_share: float = 0.05
    max_duplicate_share: float = 0.5
    example_rows: int = 5
    max_distinct: int = 10_000


DEFAULT_LIMITS = Limits()


@dataclass
class Examples:
    """A count of offending rows plus the first few row numbers, for messages."""

    limit: int
    count: int = 0
    rows: list[int] = field(default_factory=list)

    def add(self, row: int) -> None:
        self.count += 1
        if len(self.rows) < self.limit:
            self.rows.append(row)

    def __str__(self) -> str:
        label = "row" if len(self.rows) == 1 else "rows"
        more = ", ..." if self.count > len(self.rows) else ""
        return f"{label} {', '.join(map(str, self.rows))}{more}"


@dataclass
class ColumnProfile:
    """What one pass has seen of one column."""

    name: str
    type: str
    role: str
    limits: Limits
    missing: Examples = field(init=False)
    not_numbers: Examples = field(init=False)
    not_finite: Examples = field(init=False)
    minimum: float | None = None
    maximum: float | None = None
    total: float = 0.0
    numbers: int = 0
    distinct: set[str] = field(default_factory=set)
    distinct_capped: bool = False

    def __post_init__(self) -> None:
        self.missing = Examples(self.limits.example_rows)
        self.not_numbers = Examples(self.limits.example_rows)
        self.not_finite = Examples(self.limits.example_rows)

    def observe(self, raw: str, row: int) -> None:
        value = raw.strip()
        if value.lower() in MISSING_TOKENS:
            self.missing.add(row)
            return
        self._count_distinct(value)
        if self.type == "numeric":
            self._observe_number(value, row)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "role": self.role,
            "missing": self.missing.count,
            "distinct": len(self.distinct),
            "distinct_exact": not self.distinct_capped,
        }
        if self.type == "numeric":
            out |= {
                "invalid": self.not_numbers.count + self.not_finite.count,
                "min": self.minimum,
                "max": self.maximum,
                "mean": self.total / self.numbers if self.numbers else None,
            }
        return out

    @property
    def single_value(self) -> str | None:
        """The one value every present row holds (numbers compared as numbers), else None."""
        if self.type == "numeric":
            clean = self.numbers and not (self.not_numbers.count or self.not_finite.count)
            return f"{self.minimum:g}" if clean and self.minimum == self.maximum else None
        if len(self.distinct) == 1 and not self.distinct_capped:
            return repr(next(iter(self.distinct)))
        return None

    def _observe_number(self, value: str, row: int) -> None:
        try:
            number = float(value)
        except ValueError:
            self.not_numbers.add(row)
            return
        if not math.isfinite(number):
            self.not_finite.add(row)
            return
        self.numbers += 1
        self.total += number
        self.minimum = number if self.minimum is None else min(self.minimum, number)
        self.maximum = number if self.maximum is None else max(self.maximum, number)

    def _count_distinct(self, value: str) -> None:
        if len(self.distinct) < self.limits.max_distinct:
            self.distinct.add(value)
        elif value not in self.distinct:
            self.distinct_capped = True


@dataclass
class QualityReport:
    rows: int
    errors: list[str]
    warnings: list[str]
    columns: dict[str, dict[str, Any]]
    duplicates: int = 0

    @property
    def passed(self) -> bool:
        return not self.errors


def check(
    records: Iterable[list[str]], spec: ModelSpec, limits: Limits = DEFAULT_LIMITS
) -> QualityReport:
    """Check CSV records (header first) against the model spec."""
    records = iter(records)
    header = next(records, None)
    if header is None:
        return QualityReport(
            rows=0, errors=["the file is empty: no header row"], warnings=[], columns={}
        )

    def scan(stripped: list[str], profiles: dict[str, ColumnProfile]) -> Scan:
        return _scan(records, stripped, profiles, limits)

    return report(header, spec, limits, scan)


def report(
    header: list[str],
    spec: ModelSpec,
    limits: Limits,
    scan_rows: Callable[[list[str], dict[str, ColumnProfile]], Scan],
) -> QualityReport:
    """The report on a header and its rows; ``scan_rows`` profiles the rows (header stripped)."""
    header = [name.strip() for name in header]
    expected = _profiles(spec, limits)
    errors = _header_errors(header, spec)
    warnings = [
        f"column {name!r} is not in the model spec; training ignores it"
        for name in header
        if name not in expected and name not in spec.attributes
    ]
    # Profile the columns that are there even when others are missing: the report shows both.
    profiles = {name: profile for name, profile in expected.items() if name in header}
    scan = scan_rows(header, profiles)
    errors += scan.errors(limits)
    errors += _unlearnable(profiles, scan.rows)
    warnings += scan.warnings(limits)
    return QualityReport(
        rows=scan.rows,
        errors=errors,
        warnings=warnings,
        columns={p.name: p.summary() for p in profiles.values()},
        duplicates=scan.duplicates,
    )


def _profiles(spec: ModelSpec, limits: Limits) -> dict[str, ColumnProfile]:
    profiles = {f.name: ColumnProfile(f.name, f.type, "feature", limits) for f in spec.features}
    target_type = "numeric" if spec.task == "regression" else "categorical"
    profiles[spec.target] = ColumnProfile(spec.target, target_type, "target", limits)
    return profiles


def _header_errors(header: list[str], spec: ModelSpec) -> list[str]:
    errors = []
    if spec.target not in header:
        errors.append(f"missing target column {spec.target!r}")
    errors += [
        f"missing feature column {name!r}" for name in spec.feature_names if name not in header
    ]
    # The evaluation judges fairness per group: the column must be there, if not as a feature.
    errors += [
        f"missing fairness group column {name!r}" for name in spec.attributes if name not in header
    ]
    repeated = sorted({name for name in header if header.count(name) > 1})
    errors += [f"column {name!r} appears more than once in the header" for name in repeated]
    return errors


@dataclass
class Scan:
    """What one pass has seen of the rows: their count, duplicates, ragged rows, columns."""

    profiles: dict[str, ColumnProfile]
    header_width: int
    ragged: Examples
    rows: int = 0
    duplicates: int = 0

    def errors(self, limits: Limits) -> list[str]:
        errors = []
        if self.ragged.count:
            errors.append(
                f"{_plural(self.ragged.count, 'row')} "
                f"{_agree(self.ragged.count, 'does', 'do')} not have {self.header_width} fields "
                f"like the header ({self.ragged})"
            )
        for profile in self.profiles.values():
            errors += _column_errors(profile, self.rows, limits)
        if self.rows < limits.min_rows:
            errors.append(
                f"only {_plural(self.rows, 'row')}; at least {limits.min_rows} are needed"
            )
        if self.rows and self.duplicates / self.rows > limits.max_duplicate_share:
            errors.append(
                f"{_plural(self.duplicates, 'duplicate row')} ({self.duplicates / self.rows:.1%}); "
                f"at most {limits.max_duplicate_share:.0%} allowed"
            )
        return errors

    def warnings(self, limits: Limits) -> list[str]:
        warnings = []
        if self.duplicates and self.duplicates / self.rows <= limits.max_duplicate_share:
            warnings.append(
                f"{_plural(self.duplicates, 'duplicate row')} ({self.duplicates / self.rows:.1%})"
            )
        for profile in self.profiles.values():
            share = profile.missing.count / self.rows if self.rows else 0.0
            if profile.role == "feature" and 0 < share <= limits.max_missing_share:
                warnings.append(
                    f"column {profile.name!r}: {_plural(profile.missing.count, 'value')} missing "
                    f"({share:.1%})"
                )
            if self.rows > 1 and profile.role == "feature" and profile.single_value:
                warnings.append(f"column {profile.name!r} holds a single value")
        return warnings


def _scan(
    records: Iterator[list[str]],
    header: list[str],
    profiles: dict[str, ColumnProfile],
    limits: Limits,
) -> Scan:
    scan = Scan(profiles=profiles, header_width=len(header), ragged=Examples(limits.example_rows))
    positions = [(header.index(name), profile) for name, profile in profiles.items()]
    seen: set[int] = set()
    for row, record in enumerate(records, start=2):
        if not record:
            continue  # a blank line is not a row
        scan.rows += 1
        if len(record) != len(header):
            scan.ragged.add(row)
            continue
        # A hash per row keeps duplicate counting at a few bytes per row.
        fingerprint = hash(tuple(record))
        if fingerprint in seen:
            scan.duplicates += 1
        else:
            seen.add(fingerprint)
        for position, profile in positions:
            profile.observe(record[position], row)
    return scan


def _unlearnable(profiles: dict[str, ColumnProfile], rows: int) -> list[str]:
    """What makes any model meaningless: a constant target, or nothing but constant features.

    The gate's holdout comes from the same data, so it cannot catch these; a classifier's
    "too few classes" is the same rule, since one class is a constant target.
    """
    if rows < 2:
        return []
    errors = []
    target = next((p for p in profiles.values() if p.role == "target"), None)
    if target is not None and target.single_value is not None:
        errors.append(
            f"column {target.name!r} (the target) holds a single value, {target.single_value}; "
            "a model cannot learn from it"
        )
    features = [p for p in profiles.values() if p.role == "feature"]
    if features and all(p.single_value is not None for p in features):
        errors.append("every feature holds a single value; a model cannot learn from them")
    return errors


def _column_errors(profile: ColumnProfile, rows: int, limits: Limits) -> list[str]:
    name = profile.name
    errors = []
    if profile.not_numbers.count:
        errors.append(
            f"column {name!r}: {_plural(profile.not_numbers.count, 'value')} "
            f"{_agree(profile.not_numbers.count, 'is not a number', 'are not numbers')} "
            f"({profile.not_numbers})"
        )
    if profile.not_finite.count:
        errors.append(
            f"column {name!r}: {_plural(profile.not_finite.count, 'value')} "
            f"{_agree(profile.not_finite.count, 'is', 'are')} infinite ({profile.not_finite})"
        )
    missing = profile.missing.count
    if missing and profile.role == "target":
        errors.append(
            f"column {name!r}: {_plural(missing, 'value')} missing ({profile.missing}); "
            "the target must never be missing"
        )
    elif rows and missing / rows > limits.max_missing_share:
        errors.append(
            f"column {name!r}: {missing / rows:.1%} of values missing ({profile.missing}); "
            f"at most {limits.max_missing_share:.0%} allowed"
        )
    return errors


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _agree(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural
