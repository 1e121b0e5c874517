import os
import shutil
import tarfile


def unpack_release(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # ruleid: python-tarfile-extract-without-filter
        tar.extractall(dest)


def unpack_one(path: str, dest: str) -> None:
    tar = tarfile.open(path, "r:gz")
    # ruleid: python-tarfile-extract-without-filter
    tar.extract("config.toml", dest)
    tar.close()


def unpack_trusted(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # "fully_trusted" is the old behaviour under a new name.
        # ruleid: python-tarfile-extract-without-filter
        tar.extractall(dest, filter="fully_trusted")


def unpack_none(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # filter=None is the version's default, which is "fully_trusted" before Python 3.14.
        # ruleid: python-tarfile-extract-without-filter
        tar.extractall(dest, filter=None)


def unpack_chained(path: str) -> None:
    # ruleid: python-tarfile-extract-without-filter
    tarfile.open(path).extractall("/srv/data")


def unpack_any(path: str, dest: str) -> None:
    # ruleid: python-tarfile-extract-without-filter
    shutil.unpack_archive(path, dest)


def extract_to(tar: tarfile.TarFile, dest: str) -> None:
    # ruleid: python-tarfile-extract-without-filter
    tar.extractall(dest)


def unpack_listed(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # Choosing members by name does not stop "../" in those names.
        # ruleid: python-tarfile-extract-without-filter
        tar.extractall(dest, members=[m for m in tar.getmembers() if m.name.endswith(".csv")])


# ---- safe variants -------------------------------------------------------------------------


def unpack_data(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        # ok: python-tarfile-extract-without-filter
        tar.extractall(dest, filter="data")


def unpack_data_filter(path: str, dest: str) -> None:
    tar = tarfile.open(path)
    # ok: python-tarfile-extract-without-filter
    tar.extract("a.txt", dest, filter=tarfile.data_filter)


def unpack_archive_data(path: str, dest: str) -> None:
    # ok: python-tarfile-extract-without-filter
    shutil.unpack_archive(path, dest, filter="data")


def unpack_zip(path: str, dest: str) -> None:
    # ok: python-tarfile-extract-without-filter
    shutil.unpack_archive(path, dest, format="zip")


def is_within_directory(directory: str, target: str) -> bool:
    abs_directory = os.path.abspath(directory)
    abs_target = os.path.abspath(target)
    return os.path.commonprefix([abs_directory, abs_target]) == abs_directory


def safe_extract(tar: tarfile.TarFile, path: str = ".") -> None:
    for member in tar.getmembers():
        member_path = os.path.join(path, member.name)
        if not is_within_directory(path, member_path):
            raise ValueError("Attempted path traversal in tar file")
    # ok: python-tarfile-extract-without-filter
    tar.extractall(path)


def unpack_checked(path: str, dest: str) -> None:
    with tarfile.open(path) as tar:
        for member in tar:
            target = os.path.realpath(os.path.join(dest, member.name))
            if not target.startswith(os.path.realpath(dest) + os.sep) or member.issym():
                raise ValueError(f"unsafe member {member.name}")
        # ok: python-tarfile-extract-without-filter
        tar.extractall(dest)


def unpack_with_default_filter(path: str, dest: str) -> None:
    tarfile.TarFile.extraction_filter = staticmethod(tarfile.data_filter)
    with tarfile.open(path) as tar:
        # ok: python-tarfile-extract-without-filter
        tar.extractall(dest)
