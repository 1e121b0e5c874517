import os
import tarfile
import zipfile
from pathlib import Path


def unzip_by_hand(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            # ruleid: python-archive-member-path-traversal
            with open(os.path.join(dest, name), "wb") as out:
                out.write(zf.read(name))


def unzip_infos(archive: str, dest: Path) -> None:
    zf = zipfile.ZipFile(archive)
    for info in zf.infolist():
        target = dest / info.filename
        # ruleid: python-archive-member-path-traversal
        target.parent.mkdir(parents=True, exist_ok=True)
        # ruleid: python-archive-member-path-traversal
        target.write_bytes(zf.read(info))


def untar_by_hand(archive: str, dest: str) -> None:
    with tarfile.open(archive) as tar:
        for member in tar:
            data = tar.extractfile(member)
            if data is None:
                continue
            # ruleid: python-archive-member-path-traversal
            with open(f"{dest}/{member.name}", "wb") as out:
                out.write(data.read())


def untar_dirs(archive: str, dest: str) -> None:
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isdir():
                # ruleid: python-archive-member-path-traversal
                os.makedirs(os.path.join(dest, member.name), exist_ok=True)


# ---- safe variants -------------------------------------------------------------------------


def unzip_flat(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            # ok: python-archive-member-path-traversal
            with open(os.path.join(dest, os.path.basename(name)), "wb") as out:
                out.write(zf.read(name))


def unzip_checked(archive: str, dest: str) -> None:
    root = os.path.realpath(dest)
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            target = os.path.realpath(os.path.join(root, name))
            if not target.startswith(root + os.sep):
                raise ValueError(f"unsafe member {name!r}")
            # ok: python-archive-member-path-traversal
            with open(target, "wb") as out:
                out.write(zf.read(name))


def unzip_library(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        # ok: python-archive-member-path-traversal
        zf.extractall(dest)


def list_members(archive: str, report: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        names = "\n".join(zf.namelist())
    # ok: python-archive-member-path-traversal
    with open(report, "w") as out:
        out.write(names)
