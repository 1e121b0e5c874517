"""Python dependency manifests: which files they are, and the requirements they pin.

Parsing is done here, with no resolver and no build: a manifest is data from the change under
review, and nothing in it is ever installed or executed.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass

_REQUIREMENTS = re.compile(r"(?:^|/)[^/]*(?:requirements|constraints)[^/]*\.(?:txt|in)$|"
                           r"(?:^|/)requirements/[^/]+\.(?:txt|in)$", re.IGNORECASE)
_NAMED = frozenset({"pyproject.toml", "poetry.lock", "uv.lock", "pipfile", "pipfile.lock",
                    "setup.cfg", "setup.py"})
# Lines of a requirements file that are not requirements but change what gets installed.
INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")
INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                 "--trusted-host")


def is_manifest(path: str) -> bool:
    """Whether ``path`` is a dependency manifest the deps stage audits."""
    return posixpath.basename(path).lower() in _NAMED or bool(_REQUIREMENTS.search(path))


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement from a manifest: a pin (``version``) or something that cannot be audited."""

    name: str
    version: str | None
    text: str
    line: int | None
    # Not a requirement: "-r"/"--extra-index-url"... (an option line), or "code" (setup.py).
    option: str = ""

    @property
    def pinned(self) -> bool:
        """True when the requirement names exactly one version."""
        return self.version is not None


def normalize(name: str) -> str:
    """PEP 503 name normalisation (``Foo_Bar`` and ``foo.bar`` are ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(path: str, content: bytes) -> list[Requirement]:
    """The requirements a manifest declares (``ValueError`` when it does not parse)."""
    text = content.decode("utf-8-sig", "replace")  # pip ignores a byte-order mark too
    base = posixpath.basename(path).lower()
    if base == "setup.py":
        return [Requirement("setup.py", None, "setup.py", None, option="code")]
    if base == "pipfile":
        return _pipfile(text)
    if base == "pyproject.toml":
        return _pyproject(text)
    if base in ("poetry.lock", "uv.lock"):
        return _lock_toml(text, skip_local=base == "uv.lock")
    if base == "pipfile.lock":
        return _pipfile_lock(text)
    if base == "setup.cfg":
        return _setup_cfg(text)
    return _requirements_txt(text)


def _requirements_txt(text: str) -> list[Requirement]:
    out = []
    logical, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        if logical.strip():
            out.extend(_requirement_line(logical.strip(), start))
        logical = ""
    return out


def _requirement_line(line: str, number: int) -> list[Requirement]:
    if line.startswith(("-e", "--editable")):
        target = line.split(None, 1)[-1]
        return [Requirement(target, None, line, number)]
    if line.startswith("-"):
        m = re.match(r"(--?[\w-]+)(?:[= ]\s*(.*))?$", line)
        option, value = (m.group(1), (m.group(2) or "").strip()) if m else (line, "")
        if option in INCLUDE_OPTIONS or option in INDEX_OPTIONS:
            return [Requirement(value, None, line, number, option=option)]
        return []
    # Per-requirement options do not change what is installed from where.
    spec = re.sub(r"\s--(?:hash|config-settings|global-option|install-option)[= ]\S+", "",
                  line).strip()
    return [_pep508(spec, number)]


def _pep508(spec: str, number: int | None) -> Requirement:
    # Imported here: only the dependency stage parses manifests, the hook path never does.
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    try:
        req = PackagingRequirement(spec)
    except InvalidRequirement:
        return Requirement(spec.split(";", maxsplit=1)[0].strip() or spec, None, spec, number)
    pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    version = pins[0].version if len(pins) == 1 and len(req.specifier) == 1 and not req.url \
        else None
    return Requirement(normalize(req.name), version, spec, number)


def _pyproject(text: str) -> list[Requirement]:
    data = tomllib.loads(text)
    lines = text.splitlines()
    out: list[Requirement] = []
    project = data.get("project", {})
    specs = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        specs.extend(group)
    for group in data.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    specs.extend(data.get("build-system", {}).get("requires", []))
    tool = data.get("tool", {})
    specs.extend(tool.get("uv", {}).get("dev-dependencies", []))
    for group in tool.get("pdm", {}).get("dev-dependencies", {}).values():
        specs.extend(group)
    out.extend(_pep508(s, _line_of(lines, s)) for s in specs if isinstance(s, str))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for name, value in table.items():
            if name.lower() == "python":
                continue
            version = value.get("version") if isinstance(value, dict) else value
            exact = version.lstrip("= ") if isinstance(version, str) and \
                re.fullmatch(r"=?=?\s*\d[\w.+!-]*", version) else None
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), exact, f"{name} = {version!r}",
                                   _line_matching(lines, key)))
    return out


def _pipfile(text: str) -> list[Requirement]:
    data = tomllib.loads(text)
    lines = text.splitlines()
    out = []
    for section in ("packages", "dev-packages"):
        for name, value in data.get(section, {}).items():
            version = value.get("version", "*") if isinstance(value, dict) else value
            pinned = version[2:] if isinstance(version, str) and version.startswith("==") \
                and "*" not in version else None
            key = rf"""\s*["']?{re.escape(name)}["']?\s*="""
            out.append(Requirement(normalize(name), pinned, f"{name} = {version!r}",
                                   _line_matching(lines, key)))
    return out


def _lock_toml(text: str, *, skip_local: bool) -> list[Requirement]:
    data = tomllib.loads(text)
    lines = text.splitlines()
    out = []
    for package in data.get("package", []):
        source = package.get("source", {})
        if skip_local and isinstance(source, dict) and ({"editable", "virtual", "directory"}
                                                        & set(source)):
            continue  # the project itself, not a dependency from an index
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            declared = rf'\s*name\s*=\s*"{re.escape(name)}"\s*$'
            out.append(Requirement(normalize(name), version, f"{name}=={version}",
                                   _line_matching(lines, declared)))
    return out


def _pipfile_lock(text: str) -> list[Requirement]:
    data = json.loads(text)
    lines = text.splitlines()
    out = []
    for section in ("default", "develop"):
        for name, entry in data.get(section, {}).items():
            version = entry.get("version", "") if isinstance(entry, dict) else ""
            pinned = version[2:] if version.startswith("==") else None
            out.append(Requirement(normalize(name), pinned, f"{name}{version}",
                                   _line_of(lines, f'"{name}"')))
    return out


def _setup_cfg(text: str) -> list[Requirement]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ValueError(f"setup.cfg does not parse: {exc}") from None
    raw = parser.get("options", "install_requires", fallback="")
    lines = text.splitlines()
    return [_pep508(spec, _line_of(lines, spec)) for spec in
            (s.strip() for s in raw.splitlines()) if spec and not spec.startswith("#")]


def _line_matching(lines: list[str], pattern: str) -> int | None:
    """The first line that matches ``pattern`` (ignoring case) from its start."""
    rx = re.compile(pattern, re.IGNORECASE)
    return next((n for n, line in enumerate(lines, 1) if rx.match(line)), None)


def _line_of(lines: list[str], needle: str) -> int | None:
    lowered = needle.lower()
    for number, line in enumerate(lines, 1):
        if lowered in line.lower():
            return number
    return None
