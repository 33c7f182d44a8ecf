"""Roster import: validate every row first, then write all rows in one transaction or none.

`RosterImport.validate(sheet)` reads the rows once, parses every cell (collecting every error,
never stopping at the first), finds duplicates inside the file, looks the ID numbers up in the
database by blind index, and runs the same cross-field rules as the form. It writes nothing.
`RosterImport.commit()` then writes the planned creates and updates in one durable transaction,
each with its audit row, only if validation found no error (SECURITY.md K-1, §4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ronghe.core import audit, bulk, crypto
from ronghe.core.access import Cap, reach_of
from ronghe.core.spreadsheets import Sheet
from ronghe.orgs.models import PartyOrg, PathNames, Unit
from ronghe.people import identity, roster, rules, services
from ronghe.people.models import DatePrecision, Person, PoliticalStatus
from ronghe.people.roster import COLUMN_BY_KEY, HEADER_LOOKUP, header_key

HEADER_SEARCH_ROWS = 20
PREVIEW_ROWS = 20
FORMULA_MESSAGE = gettext_lazy("This cell is a formula with no value: paste it as values.")
MERGED_MESSAGE = gettext_lazy(
    "Merged cells are allowed only in the organisation and unit columns: unmerge and fill"
    " every row."
)
CHUNK = 1000
NOTE_PREFIXES = ("填表人", "填报人", "制表人", "审核人", "制表", "备注", "注:", "注：", "说明")
Progress = Callable[[str, int], None]
PARTY_KEYS = frozenset(
    (
        "party_org",
        "political_status",
        "joined_on",
        "joined_on_precision",
        "full_member_on",
        "full_member_on_precision",
    )
)


@dataclass
class RowError:
    row: int  # the Excel row number the user sees; 0 for the file as a whole
    column: str  # the header as written in the file
    value: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    planned_created: int = 0
    planned_updated: int = 0
    planned_unchanged: int = 0
    header_row: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_rows(self) -> int:
        return len({error.row for error in self.errors if error.row})

    def errors_by_row(self) -> dict[int, list[RowError]]:
        grouped: dict[int, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped

    def as_dict(self, *, max_errors: int = 1000) -> dict[str, Any]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "planned_created": self.planned_created,
            "planned_updated": self.planned_updated,
            "planned_unchanged": self.planned_unchanged,
            "error_count": len(self.errors),
            "error_rows": self.error_rows(),
            "errors": [error.as_dict() for error in self.errors[:max_errors]],
            "warnings": self.warnings,
            "committed": self.committed,
        }


@dataclass
class PlannedRow:
    row: int
    values: dict[str, Any]  # parsed values of the columns the file has
    failed: set[str] = field(default_factory=set)  # columns whose cell could not be parsed
    restricted: dict[str, str] = field(default_factory=dict)  # node columns: why not there
    changed: list[str] = field(default_factory=list)  # for an update: the fields it changes
    index: str = ""  # blind index of the ID number
    existing: Person | None = None
    action: str = ""  # "create", "update" or "unchanged"


class NodeNotAllowed(ValidationError):
    """The cell names a real node this row may not be filed under (unless it stays there)."""

    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message, code="org_not_allowed")
        self.node = node


class NodeResolver:
    """Finds the node a cell names: its organisation code, or the tail of its path of names
    (`第一党支部`, `一公司党委/第一党支部`, or the full path) when that tail is unique."""

    def __init__(
        self, nodes: Iterable[Any], allowed: Callable[[Any], str], names: PathNames
    ) -> None:
        nodes = list(nodes)
        self.by_code = {node.org_code.casefold(): node for node in nodes}
        self.by_tail: dict[str, list[Any]] = {}
        self.allowed = allowed  # "" when a row may use the node, else the reason it may not
        for node in nodes:
            parts = names.parts(node.path)
            for start in range(len(parts)):
                key = "/".join(parts[start:])
                self.by_tail.setdefault(key, []).append(node)

    @staticmethod
    def _key(text: str) -> str:
        parts = text.replace("／", "/").replace(">", "/").replace("＞", "/").split("/")
        return "/".join(" ".join(part.split()) for part in parts if part.strip())

    def resolve(self, text: str) -> Any:
        """The node, or raise ValidationError saying why the cell names none usable."""
        node = self.by_code.get(roster.clean_code(text).casefold())
        if node is None:
            matches = self.by_tail.get(self._key(roster.clean_text(text)), [])
            if len(matches) > 1:
                raise ValidationError(
                    _("“%(value)s” names %(n)s organisations: use the code or the full path.")
                    % {"value": text, "n": len(matches)},
                    code="org_ambiguous",
                )
            node = matches[0] if matches else None
        if node is None:
            raise ValidationError(
                _("No organisation “%(value)s” within your reach.") % {"value": text},
                code="org_unknown",
            )
        reason = self.allowed(node)
        if reason:
            raise NodeNotAllowed(reason, node)
        return node


class RosterImport:
    """One import into the subtree of `org`, as `user` (None: an operator at the console)."""

    def __init__(
        self,
        *,
        org: PartyOrg,
        user: Any = None,
        update_existing: bool = False,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.org = org
        self.user = user
        self.update_existing = update_existing
        self.today = today or timezone.localdate()
        self.progress = progress or (lambda phase, done: None)
        self.report = ImportReport()
        self._epoch: Any = None
        self.plan: list[PlannedRow] = []
        self.headers: dict[str, str] = {}  # column key → the header as written in the file
        self.columns: dict[int, str] = {}  # file column (1-based) → column key
        self.sheet_title = ""
        self._parties = self._party_resolver()
        self._units = self._unit_resolver()

    # --- who may be filed where ----------------------------------------------------------

    def _party_resolver(self) -> NodeResolver:
        tree = PartyOrg.objects.all()
        if self.user is not None:
            tree = tree.visible_to(self.user)
        staffable = None
        if self.user is not None:
            staffable = set(PartyOrg.objects.staffable_by(self.user).values_list("pk", flat=True))

        def allowed(node: PartyOrg) -> str:
            if not node.path.startswith(self.org.path):
                return _("%(org)s is outside %(root)s, the organisation you import into.") % {
                    "org": node.name,
                    "root": self.org.name,
                }
            if node.closed_on is not None:
                return _("%(org)s is closed.") % {"org": node.name}
            if node.kind not in (PartyOrg.Kind.BRANCH, PartyOrg.Kind.GROUP):
                return _("%(org)s is not a branch or a Party group.") % {"org": node.name}
            if staffable is not None and node.pk not in staffable:
                return _("Your roles do not allow filing people under %(org)s.") % {
                    "org": node.name
                }
            return ""

        return NodeResolver(tree, allowed, PathNames(PartyOrg))

    def _unit_resolver(self) -> NodeResolver:
        tree = Unit.objects.all()
        staffable = None
        if self.user is not None:
            tree = tree.visible_to(self.user)
            staffable = set(Unit.objects.staffable_by(self.user).values_list("pk", flat=True))

        def allowed(node: Unit) -> str:
            if node.closed_on is not None:
                return _("%(org)s is closed.") % {"org": node.name}
            if staffable is not None and node.pk not in staffable:
                return _("Your roles do not allow filing people under %(org)s.") % {
                    "org": node.name
                }
            return ""

        return NodeResolver(tree, allowed, PathNames(Unit))

    def _may_write(self, person: Person) -> bool:
        if self.user is None:
            return True
        return Person.objects.writable_by(self.user).filter(pk=person.pk).exists()

    def _keeps_party_record(self, person: Person) -> bool:
        if self.user is None or person.party_org is None:
            return True
        return reach_of(self.user).reaches(Cap.WRITE_PEOPLE, party_path=person.party_org.path)

    # --- reading -------------------------------------------------------------------------

    def validate(self, sheet: Sheet) -> ImportReport:
        """Parse and check every row; plan the writes. Writes nothing."""
        self._epoch = sheet.epoch
        rows = iter(sheet.rows)
        head: list[tuple[int, tuple[Any, ...]]] = []
        for item in rows:
            head.append(item)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        columns = self._find_header(head, sheet)
        if columns is None:
            return self.report
        data_rows = (item for item in head if item[0] > self.report.header_row)
        self._read_rows(_chain(data_rows, rows), columns, sheet)
        hidden = len([row for row in sheet.hidden_rows if row > self.report.header_row])
        if hidden:
            self.report.warnings.append(
                _("%(n)s hidden rows were read too: hiding a row does not leave it out.")
                % {"n": hidden}
            )
        self._check_duplicates_in_file()
        self._match_existing()
        self._check_rules()
        self.report.errors.sort(key=lambda error: error.row)
        self._count_plan()
        return self.report

    def header_columns(self) -> dict[int, str]:
        """File column → the header text as written in the file."""
        return {col: self.headers[key] for col, key in self.columns.items()}

    def _count_plan(self) -> None:
        report = self.report
        report.total = len(self.plan)
        actions = [planned.action for planned in self.plan]
        report.planned_created = actions.count("create")
        report.planned_updated = actions.count("update")
        report.planned_unchanged = actions.count("unchanged")
        bad_rows = {error.row for error in report.errors}
        report.preview = [
            {
                "row": str(planned.row),
                "action": "error" if planned.row in bad_rows else planned.action,
                **{key: _display(key, planned.values.get(key)) for key in PREVIEW_KEYS},
            }
            for planned in self.plan[:PREVIEW_ROWS]
        ]

    def _find_header(
        self, head: list[tuple[int, tuple[Any, ...]]], sheet: Sheet
    ) -> dict[int, str] | None:
        """The row naming the most known columns (title rows above it are skipped); a header
        cell merged down from the row above takes that row's text."""
        values = {row: cells for row, cells in head}
        best: tuple[int, dict[int, str]] = (0, {})
        for row, cells in head:
            columns: dict[int, str] = {}
            for col in range(1, len(cells) + 1):
                text = cells[col - 1]
                if text is None:
                    text = _merged_value(sheet, values, row, col)
                key = HEADER_LOOKUP.get(header_key(text))
                if key and key not in columns.values():
                    columns[col] = key
            if len(columns) > len(best[1]):
                best = (row, columns)
        row, columns = best
        missing = [
            COLUMN_BY_KEY[key].header
            for key in ("name", "id_number")
            if key not in columns.values()
        ]
        if missing:
            self.report.errors.append(
                RowError(
                    0,
                    "",
                    "",
                    "header",
                    _("No column named %(names)s was found in the first %(n)s rows.")
                    % {"names": "、".join(missing), "n": HEADER_SEARCH_ROWS},
                )
            )
            return None
        self.report.header_row = row
        self.columns = columns
        for col, key in columns.items():
            text = values[row][col - 1] or _merged_value(sheet, values, row, col)
            self.headers[key] = " ".join(str(text).split())
        unknown = [
            " ".join(str(text).split())
            for col, text in enumerate(values[row], start=1)
            if text is not None and col not in columns and header_key(text) not in ("序号", "")
        ]
        if unknown:
            self.report.warnings.append(
                _("Columns not imported: %(names)s.") % {"names": "、".join(unknown)}
            )
        return columns

    def _read_rows(
        self, rows: Iterator[tuple[int, tuple[Any, ...]]], columns: dict[int, str], sheet: Sheet
    ) -> None:
        merged = _MergedColumns(sheet, self.report.header_row, columns)
        for row, cells in rows:
            if not any(value is not None and str(value).strip() for value in cells):
                continue  # a blank row
            if _is_note(cells):
                continue  # "填表人：…" under the table
            cells = merged.fill(row, cells)
            picked = {
                key: (cells[col - 1] if col <= len(cells) else None) for col, key in columns.items()
            }
            refused = {}
            for col, key in columns.items():
                if (row, col) in sheet.formulas_without_value and picked[key] is None:
                    refused[key] = ("formula", FORMULA_MESSAGE)
            for key in merged.refused(row):
                refused[key] = ("merged", MERGED_MESSAGE)
            self._parse_row(row, picked, refused)
            if len(self.plan) % 5000 == 0:
                self.progress("read", len(self.plan))

    def _error(self, row: int, key: str, value: Any, code: str, message: str) -> None:
        text = "" if value is None else str(value)
        column = self.headers.get(key) or COLUMN_BY_KEY[key].header
        self.report.errors.append(RowError(row, column, text[:100], code, message))

    def _parse_row(
        self, row: int, cells: dict[str, Any], refused: dict[str, tuple[str, Any]]
    ) -> None:
        planned = PlannedRow(row=row, values={})
        for key, raw in cells.items():
            if key in refused:
                code, message = refused[key]
                planned.failed.add(key)
                self._error(row, key, raw, code, str(message))
                continue
            try:
                self._parse_cell(key, raw, planned.values)
            except NodeNotAllowed as exc:
                planned.values[key] = exc.node  # fine for someone who is already there
                planned.restricted[key] = exc.messages[0]
            except ValidationError as exc:
                planned.failed.add(key)
                self._error(row, key, raw, exc.code or "invalid", exc.messages[0])
        if "id_number" in planned.values:
            planned.index = crypto.blind_index("id_number", planned.values["id_number"])
        self.plan.append(planned)

    def _parse_cell(self, key: str, raw: Any, values: dict[str, Any]) -> None:
        empty = raw is None or (isinstance(raw, str) and not roster.clean_text(raw))
        if key == "name":
            name = roster.clean_name(raw)
            if not name:
                raise ValidationError(_("Enter the name."), code="required")
            if len(name) > 50:
                raise ValidationError(_("At most %(n)s characters.") % {"n": 50}, code="too_long")
            values["name"] = name
        elif key == "id_number":
            if empty:
                raise ValidationError(_("Enter the ID number."), code="required")
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                raise ValidationError(
                    _(
                        "Excel stored this ID number as a number and turned its last digits into zeros; they cannot be recovered. Format the column as Text and type the number again."
                    ),
                    code="id_number_as_number",
                )
            values["id_number"] = identity.validate_id_number(str(raw), today=self.today)
        elif key == "phone":
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            values["phone"] = "" if empty else identity.validate_phone(str(raw))
        elif key == "gender":
            values["gender"] = (
                None if empty else roster.parse_choice(raw, roster.GENDERS, roster.GENDER_LABELS)
            )
        elif key == "education":
            values["education"] = (
                ""
                if empty
                else roster.parse_choice(raw, roster.EDUCATIONS, roster.EDUCATION_LABELS)
            )
        elif key == "political_status":
            if empty:
                raise ValidationError(_("Enter the political status."), code="required")
            values["political_status"] = roster.parse_choice(
                raw, roster.STATUSES, roster.STATUS_LABELS
            )
        elif key == "birth_date":
            values["birth_date"] = None if empty else roster.parse_date(raw, epoch=self._epoch)[0]
        elif key in ("joined_on", "full_member_on"):
            if empty:
                values[key], values[f"{key}_precision"] = None, DatePrecision.DAY
            else:
                values[key], values[f"{key}_precision"] = roster.parse_date(
                    raw, epoch=self._epoch, allow_month=True
                )
        elif key == "party_org":
            values["party_org"] = None if empty else self._parties.resolve(str(raw))
        elif key == "unit":
            values["unit"] = None if empty else self._units.resolve(str(raw))
        elif key == "post":
            post = roster.clean_text(raw)
            if len(post) > 100:
                raise ValidationError(_("At most %(n)s characters.") % {"n": 100}, code="too_long")
            values["post"] = post

    # --- checks across rows and against the database -----------------------------------------

    def _check_duplicates_in_file(self) -> None:
        rows_by_index: dict[str, list[int]] = {}
        for planned in self.plan:
            if planned.index:
                rows_by_index.setdefault(planned.index, []).append(planned.row)
        for rows in rows_by_index.values():
            if len(rows) < 2:
                continue
            for row in rows:
                others = "、".join(str(other) for other in rows if other != row)
                self._error(
                    row,
                    "id_number",
                    "",
                    "duplicate_in_file",
                    _("The same ID number is on row(s) %(rows)s.") % {"rows": others},
                )

    def _match_existing(self) -> None:
        by_index = {planned.index: planned for planned in self.plan if planned.index}
        keys = list(by_index)
        for start in range(0, len(keys), CHUNK):
            found = Person.objects.for_list().filter(
                id_number_index__in=keys[start : start + CHUNK]
            )
            for person in found:
                by_index[person.id_number_index].existing = person
            self.progress("match", min(start + CHUNK, len(keys)))

    def _check_rules(self) -> None:
        for planned in self.plan:
            if planned.existing is not None:
                self._check_update(planned)
            else:
                self._check_create(planned)

    def _check_create(self, planned: PlannedRow) -> None:
        data = dict(planned.values)
        data.setdefault("political_status", PoliticalStatus.NON_MEMBER)
        if (
            data.get("party_org") is None
            and "party_org" not in planned.failed
            and self._org_takes_people()
        ):
            data["party_org"] = self.org  # a branch importing its own roster
        if data.get("gender") is None and data.get("id_number"):
            data["gender"] = identity.id_gender(data["id_number"])
        planned.values = data
        planned.action = "create"
        self._refuse_restricted(planned, stored={})
        self._run_rules(planned, data)
        if (
            not data.get("party_org")
            and not data.get("unit")
            and not planned.failed & {"party_org", "unit"}
        ):
            self._error(
                planned.row,
                "unit",
                "",
                "no_place",
                _("Give a business unit or a Party organisation."),
            )

    def _refuse_restricted(self, planned: PlannedRow, *, stored: dict[str, Any]) -> bool:
        """A node the row may not use is an error, unless the person is already filed there."""
        refused = False
        for key, message in planned.restricted.items():
            if key in stored and stored[key] == planned.values.get(key):
                continue
            planned.failed.add(key)
            self._error(planned.row, key, planned.values.get(key), "org_not_allowed", message)
            refused = True
        return refused

    def _org_takes_people(self) -> bool:
        return (
            self.org.kind in (PartyOrg.Kind.BRANCH, PartyOrg.Kind.GROUP)
            and self.org.closed_on is None
        )

    def _check_update(self, planned: PlannedRow) -> None:
        person = planned.existing
        assert person is not None
        if not self._may_write(person):
            self._error(
                planned.row,
                "id_number",
                "",
                "not_writable",
                _(
                    "This ID number is already on the roster outside your reach: ask the Party-affairs office to transfer the person."
                ),
            )
            return
        if not self.update_existing:
            place = person.party_org or person.unit
            self._error(
                planned.row,
                "id_number",
                "",
                "exists",
                _(
                    "%(name)s (%(place)s) is already on the roster: choose “update existing people” to change the record."
                )
                % {"name": person.name, "place": place.name if place else "—"},
            )
            return
        stored = _stored_values(person)
        data = {**stored, **planned.values}
        for key in ("gender", "birth_date"):  # empty: keep the stored value (the ID says it)
            if data.get(key) is None:
                data[key] = stored[key]
        changed = {key for key in planned.values if key in stored and data[key] != stored[key]}
        if self._refuse_restricted(planned, stored=stored):
            return
        if changed & PARTY_KEYS and not self._keeps_party_record(person):
            org = person.party_org.name if person.party_org else ""
            self._error(
                planned.row,
                "party_org",
                "",
                "party_locked",
                _("Kept by %(org)s: only its staff change the Party record.") % {"org": org},
            )
            return
        planned.values = data
        planned.changed = sorted(changed)
        planned.action = "update" if changed else "unchanged"
        self._run_rules(planned, data)

    def _run_rules(self, planned: PlannedRow, data: dict[str, Any]) -> None:
        if "id_number" not in data:
            return  # the row's ID number is already reported; the rest hinges on it
        problems = rules.check_against_id(data, data["id_number"])
        problems += rules.check_party_record(data, self.today)
        for key, message in problems:
            if key not in planned.failed:
                self._error(planned.row, key, "", "rule", message)

    # --- writing --------------------------------------------------------------------------

    def commit(self, *, batch_label: str = "") -> ImportReport:
        """Write every planned row in one transaction, or nothing if any row is wrong.

        A race with another writer (the same ID number inserted meanwhile) ends in the unique
        constraint of the blind index: everything rolls back and the report says so.
        """
        report = self.report
        if not report.ok:
            return report
        creates = [planned for planned in self.plan if planned.action == "create"]
        updates = [planned for planned in self.plan if planned.action == "update"]
        try:
            with transaction.atomic(durable=True):
                self._write_creates(creates, batch_label)
                self._write_updates(updates, batch_label)
        except IntegrityError:
            report.errors.append(
                RowError(
                    0,
                    "",
                    "",
                    "conflict",
                    _(
                        "Someone added one of these ID numbers while the file was being imported: nothing was written, please import again."
                    ),
                )
            )
            return report
        report.created, report.updated = len(creates), len(updates)
        report.unchanged = len(self.plan) - len(creates) - len(updates)
        report.committed = True
        return report

    def _write_creates(self, creates: list[PlannedRow], label: str) -> None:
        for start in range(0, len(creates), CHUNK):
            people = []
            for planned in creates[start : start + CHUNK]:
                person = Person()
                services.apply_values(person, planned.values)
                people.append(person)
            bulk.insert_new(people)
            audit.record_many(
                audit.Action.CREATE,
                actor=self.user,
                items=[(person, None, services.person_snapshot(person)) for person in people],
                message=label,
            )
            self.progress("write", start + len(people))

    def _write_updates(self, updates: list[PlannedRow], label: str) -> None:
        for start in range(0, len(updates), CHUNK):
            chunk = updates[start : start + CHUNK]
            changes = []
            people = []
            for planned in chunk:
                person = planned.existing
                assert person is not None
                before = services.person_snapshot(person)
                services.apply_values(person, planned.values)
                changes.append((person, *audit.changes(before, services.person_snapshot(person))))
                people.append(person)
            Person.objects.bulk_update(people, services.UPDATE_FIELDS)
            audit.record_many(audit.Action.UPDATE, actor=self.user, items=changes, message=label)
            self.progress("write", start + len(chunk))


PREVIEW_KEYS = ("name", "id_number", "political_status", "party_org", "unit", "joined_on")


def _display(key: str, value: Any) -> str:
    """A cell of the preview table: masked, like everything the roster shows."""
    if value is None or value == "":
        return ""
    if key == "id_number":
        return crypto.mask_id_number(value)
    if key == "political_status":
        return roster.STATUS_LABELS.get(value, value)
    if isinstance(value, PartyOrg | Unit):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _chain(*iterables: Iterable[Any]) -> Iterator[Any]:
    for iterable in iterables:
        yield from iterable


def _merged_value(sheet: Sheet, values: dict[int, tuple[Any, ...]], row: int, col: int) -> Any:
    for block in sheet.merged:
        if block.covers(row, col) and (block.min_row, block.min_col) != (row, col):
            cells = values.get(block.min_row, ())
            return cells[block.min_col - 1] if block.min_col <= len(cells) else None
    return None


def _is_note(cells: tuple[Any, ...]) -> bool:
    texts = [
        roster.clean_text(value) for value in cells if value is not None and str(value).strip()
    ]
    return len(texts) == 1 and texts[0].startswith(NOTE_PREFIXES)


def _stored_values(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "gender": person.gender,
        "id_number": person.id_number(),
        "birth_date": person.birth_date,
        "phone": person.phone(),
        "education": person.education,
        "political_status": person.political_status,
        "party_org": person.party_org,
        "joined_on": person.joined_on,
        "joined_on_precision": person.joined_on_precision,
        "full_member_on": person.full_member_on,
        "full_member_on_precision": person.full_member_on_precision,
        "unit": person.unit,
        "post": person.post,
    }


class _MergedColumns:
    """Merged blocks in the data rows: filled down in the groupable columns, refused elsewhere."""

    def __init__(self, sheet: Sheet, header_row: int, columns: dict[int, str]) -> None:
        self.blocks = [
            (block, columns[col])
            for block in sheet.merged
            if block.max_row > header_row
            for col in range(block.min_col, block.max_col + 1)
            if col in columns
        ]
        self.top_values: dict[tuple[int, int], Any] = {}

    def fill(self, row: int, cells: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.blocks:
            return cells
        filled = list(cells)
        for block, key in self.blocks:
            if not block.min_row <= row <= block.max_row:
                continue
            corner = (block.min_row, block.min_col)
            if row == block.min_row and block.min_col <= len(cells):
                self.top_values[corner] = cells[block.min_col - 1]
            elif roster.COLUMN_BY_KEY[key].groupable:
                for col in range(block.min_col, block.max_col + 1):
                    while len(filled) < col:
                        filled.append(None)
                    filled[col - 1] = self.top_values.get(corner)
        return tuple(filled)

    def refused(self, row: int) -> list[str]:
        return [
            key
            for block, key in self.blocks
            if block.min_row < row <= block.max_row
            and block.max_row > block.min_row
            and not roster.COLUMN_BY_KEY[key].groupable
        ]
