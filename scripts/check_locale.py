"""Check that the Simplified Chinese translation is complete, current and compiled.

Run by `make check-locale` and CI. Exit status 0 when everything is in order, 1 otherwise,
with one line per problem. It fails when:

1. an entry of `locale/zh_Hans/LC_MESSAGES/django.po` is untranslated or fuzzy, the header is
   fuzzy or lacks `Language` / `Plural-Forms: nplurals=1`, or a translation drops, invents or
   breaks a placeholder (`%(n)d`, `%(name)s`) or an HTML tag of its msgid;
2. the code holds msgids the .po lacks: `makemessages` is run, with the same options as
   `make messages`, into a temporary copy of the locale directory, and the msgid sets compared
   (the real locale directory is never written);
3. the committed `django.mo` is missing or stale: the .po is compiled with
   `msgfmt --check-format` to a temporary file and its (msgid, msgstr) pairs compared with
   those of the committed .mo (content, not bytes).

The fix is nearly always `make messages`, then translating what it added.
Msgids in the .po that the code no longer uses are reported as a warning only.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polib  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
LOCALE_DIR = ROOT / "locale"
PO_PATH = LOCALE_DIR / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# Same as the Makefile's `messages` target; makemessages adds CVS, .*, *~ and *.pyc itself.
IGNORE_PATTERNS = [".venv", "node_modules", "bench"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

# (msgctxt, msgid, msgid_plural): how one message is told apart from another.
Key = tuple[str, str, str]
# A key with its translation(s): msgstr, or the plural forms in index order.
Pair = tuple[Key, tuple[str, ...]]


def key_of(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def describe(key: Key) -> str:
    ctxt, msgid, _plural = key
    text = msgid if len(msgid) <= 70 else msgid[:67] + "..."
    return f"{ctxt!r} | {text!r}" if ctxt else repr(text)


def live_entries(po: polib.POFile) -> Iterator[polib.POEntry]:
    """Entries that gettext will use: not the header, not obsolete (#~)."""
    for entry in po:
        if not entry.obsolete and entry.msgid != "":
            yield entry


def translations(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


# --- 1. the .po itself -------------------------------------------------------------------


def check_header(po: polib.POFile) -> list[str]:
    problems = []
    if po.metadata_is_fuzzy:
        problems.append("header: marked fuzzy (remove '#, fuzzy' above msgid \"\")")
    if po.metadata.get("Language") != LOCALE:
        problems.append(f"header: Language is {po.metadata.get('Language')!r}, not {LOCALE!r}")
    plural_forms = po.metadata.get("Plural-Forms", "").replace(" ", "")
    if not plural_forms.startswith("nplurals=1;plural=0"):
        problems.append("header: Plural-Forms must be 'nplurals=1; plural=0;'")
    if "charset=UTF-8" not in po.metadata.get("Content-Type", ""):
        problems.append("header: Content-Type must say charset=UTF-8")
    return problems


def check_entry(entry: polib.POEntry) -> list[str]:
    where = describe(key_of(entry))
    if "fuzzy" in entry.flags:
        return [f"fuzzy: {where}"]
    forms = translations(entry)
    if entry.msgid_plural and len(forms) != 1:
        return [f"plural with {len(forms)} forms (Chinese has exactly one, msgstr[0]): {where}"]
    if not all(form.strip() for form in forms):
        return [f"untranslated: {where}"]
    problems = []
    source = entry.msgid + "\n" + (entry.msgid_plural or "")
    wanted = set(PLACEHOLDER.findall(source))
    for form in forms:
        got = set(PLACEHOLDER.findall(form))
        if got - wanted:
            names = ", ".join(sorted(got - wanted))
            problems.append(f"placeholder not in the msgid ({names}): {where}")
        if wanted - got:
            names = ", ".join(sorted(wanted - got))
            problems.append(f"placeholder dropped ({names}): {where}")
        if sorted(HTML_TAG.findall(entry.msgid)) != sorted(HTML_TAG.findall(form)):
            problems.append(f"HTML tags differ from the msgid: {where}")
    return problems


def check_po(po: polib.POFile) -> list[str]:
    problems = check_header(po)
    for entry in live_entries(po):
        problems.extend(check_entry(entry))
    return problems


# --- 2. msgids the code contains ---------------------------------------------------------


@contextlib.contextmanager
def django_settings() -> Iterator[None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    yield


def extract_into(temp_locale: Path) -> Path:
    """Run makemessages for the whole project into `temp_locale`; return the .po it wrote.

    `settings.LOCALE_PATHS` alone is not enough: makemessages also files every message found
    below the project root under the real `./locale`, which it discovers while walking. The
    subclass sends every source file's messages to the temporary copy instead.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.commands import makemessages
    from django.test.utils import override_settings

    class ToTemporaryLocale(makemessages.Command):
        def find_files(self, root: str) -> list[Any]:
            files = super().find_files(root)
            for translatable in files:
                translatable.locale_dir = str(temp_locale)
            # Only the temporary directory gets (and loses) django.pot.
            self.locale_paths = [str(temp_locale)]
            self.default_locale_path = str(temp_locale)
            return files

    out = io.StringIO()
    with (
        override_settings(LOCALE_PATHS=[str(temp_locale)]),
        contextlib.chdir(ROOT),
    ):
        assert [str(p) for p in settings.LOCALE_PATHS] == [str(temp_locale)]
        call_command(
            ToTemporaryLocale(stdout=out, stderr=out),
            locale=[LOCALE],
            no_obsolete=True,
            no_location=True,
            ignore_patterns=list(IGNORE_PATTERNS),
            verbosity=0,
        )
    return temp_locale / LOCALE / "LC_MESSAGES" / "django.po"


def check_extracted(po: polib.POFile) -> tuple[list[str], list[str]]:
    """Return (problems, warnings) from comparing the .po with a fresh extraction."""
    with tempfile.TemporaryDirectory(prefix="check-locale-") as tmp:
        temp_locale = Path(tmp) / "locale"
        shutil.copytree(LOCALE_DIR, temp_locale)
        before = PO_PATH.read_bytes()
        with django_settings():
            from django.core.management import CommandError

            try:
                fresh_path = extract_into(temp_locale)
            except CommandError as error:
                return [f"makemessages failed: {error}"], []
        if PO_PATH.read_bytes() != before:  # never expected; guards the guarantee above
            return [f"internal error: extraction wrote to {PO_PATH}"], []
        in_code = (
            {key_of(e) for e in live_entries(polib.pofile(str(fresh_path)))}
            if fresh_path.exists()
            else set()
        )
    committed = {key_of(e) for e in live_entries(po)}
    problems = [
        f"missing from the .po (run `make messages`): {describe(k)}"
        for k in sorted(in_code - committed)
    ]
    warnings = [
        f"no longer in the code (run `make messages`): {describe(k)}"
        for k in sorted(committed - in_code)
    ]
    return problems, warnings


# --- 3. the compiled .mo -----------------------------------------------------------------


def pairs(entries: Iterable[polib.POEntry | polib.MOEntry]) -> set[Pair]:
    return {(key_of(e), translations(e)) for e in entries if e.msgid != ""}


def check_mo() -> list[str]:
    if not MO_PATH.exists():
        return [f"{MO_PATH.relative_to(ROOT)} is missing: run `make messages`"]
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return ["msgfmt not found: install gettext (scripts/system-deps.sh)"]
    with tempfile.TemporaryDirectory(prefix="check-locale-") as tmp:
        fresh_mo = Path(tmp) / "django.mo"
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [msgfmt, "--check-format", "-o", str(fresh_mo), str(PO_PATH)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return ["msgfmt --check-format rejects the .po:", *done.stderr.strip().splitlines()]
        expected = polib.mofile(str(fresh_mo))
    committed = polib.mofile(str(MO_PATH))
    want, have = pairs(expected), pairs(committed)
    problems = []
    if want != have:
        differing = {k for k, _ in want ^ have}
        problems.append(
            f"{MO_PATH.relative_to(ROOT)} is stale ({len(differing)} messages differ from the .po): "
            "run `manage.py compilemessages --locale zh_Hans`"
        )
        problems.extend(f"  differs: {describe(k)}" for k in sorted(differing)[:20])
    for field in ("Plural-Forms", "Content-Type"):
        if expected.metadata.get(field) != committed.metadata.get(field):
            problems.append(f"{MO_PATH.relative_to(ROOT)} is stale: header {field} differs")
    return problems


def main() -> int:
    if not PO_PATH.exists():
        print(f"FAIL {PO_PATH.relative_to(ROOT)} is missing: run `make messages`")
        return 1
    po = polib.pofile(str(PO_PATH))
    problems = check_po(po)
    extraction_problems, warnings = check_extracted(po)
    problems += extraction_problems
    problems += check_mo()
    for line in warnings:
        print(f"warning: {line}")
    for line in problems:
        print(f"FAIL {line}")
    count = sum(1 for _ in live_entries(po))
    if problems:
        print(
            f"check_locale: {len(problems)} problem(s) in {PO_PATH.relative_to(ROOT)} ({count} entries)"
        )
        return 1
    print(f"check_locale: OK, {count} entries translated, nothing missing, .mo up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
