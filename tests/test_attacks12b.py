"""Hostile drafts against two issue-12 mechanisms: a ``setup.py`` change lowered to its
category's ``version_only`` tier because only metadata literals moved (gates/literals.py), and
the hotspot rule's reading of what touches a hot method (gates/symbols.py ``hot_hits``).

Each case is a change that alters what runs while it wants the lower tier or no hotspot hit."""

from __future__ import annotations

import pytest

from .conftest import Repo
from .test_attacks12 import MODULE, hot_reasons, hot_repo
from .test_hotspots import judged as judged_hot
from .test_literals import SETUP
from .test_literals import judged as judged_setup

# ---- setup.py: the diff is metadata, but what reads the metadata is not setuptools -------------

EVIL = "def setup(**kw):\n    exec(kw['description'])\n"
NOT_SETUPTOOLS = [
    # a star import after setuptools' rebinds setup to the other module's
    SETUP.replace(
        "from setuptools import find_packages, setup\n",
        "from setuptools import find_packages, setup\nfrom mybuild import *\n"),
    # setuptools' own attribute replaced before the from-import reads it
    SETUP.replace("import os\n", "import os\nimport setuptools\nimport mybuild\n"
                  "setuptools.setup = mybuild.run\n"),
    # the module namespace written through globals(), vars(), exec, sys.modules
    SETUP.replace("here = os.path.dirname(__file__)",
                  "here = os.path.dirname(__file__)\n"
                  "globals()['setup'] = __import__('mybuild').run"),
    SETUP.replace("here = os.path.dirname(__file__)",
                  "here = os.path.dirname(__file__)\nvars().update(setup=print)"),
    SETUP.replace("here = os.path.dirname(__file__)",
                  "here = os.path.dirname(__file__)\nexec(open('build/helpers.py').read())"),
    SETUP.replace("import os\n", "import os\nimport sys\nimport mybuild\n"
                  "sys.modules['setuptools'] = mybuild\n"),
    # bindings that are not ast.Name stores: a capture pattern, an except alias
    SETUP.replace("here = os.path.dirname(__file__)",
                  "import mybuild\nmatch mybuild.run:\n    case setup:\n        pass"),
    SETUP.replace("here = os.path.dirname(__file__)",
                  "try:\n    import mybuild\nexcept ImportError as setup:\n    pass"),
]


@pytest.mark.parametrize("base", NOT_SETUPTOOLS)
def test_metadata_sent_to_something_else_than_setuptools_stays_high(repo: Repo,
                                                                    base: str) -> None:
    after = base.replace('description="An app"', 'description="import os; os.system(\'id\')"')
    assert judged_setup(repo, base, after).tier == "high"


def test_metadata_moved_between_two_setup_calls_is_named(repo: Repo) -> None:
    """Two calls, one never reached: moving a keyword from the dead one to the live one turns it
    on while the file's keys and values stay the same. A requirement added is metadata (the
    dependency stage asks about it), but the reason must name it, not only the version."""
    base = SETUP.replace("setup(\n", "if False:\n    setup(setup_requires=[], install_requires="
                         "['evil'])\nsetup(\n", 1).replace(
        '    install_requires=["attrs>=19", "click"],\n', "")
    after = base.replace(", install_requires=['evil']", "").replace(
        '    python_requires=">=3.8",\n',
        '    python_requires=">=3.8",\n    install_requires=[\'evil\'],\n')
    after = after.replace('"1.0"', '"1.1"')
    assert after != base and after.count("evil") == 1
    fc = judged_setup(repo, base, after)
    reasons = [m.evidence.text or "" for m in fc.matches if m.rule.endswith(".version-only")]
    assert reasons == ["package metadata only: install_requires, version"], fc.matches


@pytest.mark.parametrize("base", [
    SETUP.replace("from setuptools import find_packages, setup\n",
                  "import setuptools\nfrom setuptools import find_packages\n")
    .replace("\nsetup(\n", "\nsetuptools.setup(\n"),
    SETUP.replace("here = os.path.dirname(__file__)",
                  "about = {}\nexec(open('app/_version.py').read(), about)"),
])
def test_the_common_shapes_still_count_as_metadata(repo: Repo, base: str) -> None:
    """``setuptools.setup(...)`` and a version file read into a namespace of its own."""
    after = base.replace('description="An app"', 'description="An application"')
    assert judged_setup(repo, base, after).tier == "medium"


@pytest.mark.parametrize(("before", "after"), [
    # globs of files copied into the wheel, and MANIFEST.in's files installed: not descriptions
    ('    license_files=["LICENSE"],\n', '    license_files=["LICENSE", "../../.ssh/*"],\n'),
    ("    include_package_data=False,\n", "    include_package_data=True,\n"),
])
def test_keywords_that_read_like_metadata_but_pick_files_stay_high(repo: Repo, before: str,
                                                                    after: str) -> None:
    base = SETUP.replace('    name="app",\n', '    name="app",\n' + before)
    assert judged_setup(repo, base, base.replace(before, after)).tier == "high"


# ---- hotspots: what the hot method does changes, while its body does not ---------------------

BASED = MODULE.replace("class Session:", "class Base:\n    def __init_subclass__(cls):\n"
                       "        pass\n\n    def other(self):\n        return 1\n\n\n"
                       "class Session(Base):")


@pytest.mark.parametrize(("base", "after"), [
    # a function of the module that patches the method, called at import
    (MODULE, MODULE + "\n\ndef _install():\n    Session.check = lambda self, t: True\n\n\n"
     "_install()\n"),
    (MODULE, MODULE + "\n\ndef _install():\n    setattr(Session, 'check', Session.describe)\n"),
    # the class itself replaced at module level by a lax subclass, or through a global
    (MODULE, MODULE + "\n\nclass _Lax(Session):\n    def check(self, token):\n"
     "        return True\n\n\nSession = _Lax\n"),
    (MODULE, MODULE + "\n\ndef _swap():\n    global Session\n    Session = object\n"),
    # an instance attribute set by another method shadows the method
    (MODULE, MODULE.replace('        return "session"',
                            '        self.check = lambda t: True\n        return "session"')),
    # a base class of the file replaces check on every subclass
    (BASED, BASED.replace("        pass\n", "        cls.check = lambda s, t: True\n")),
    (BASED, BASED.replace("class Base:\n", "class Base:\n    check = None\n")),
    # names built at run time
    (MODULE, MODULE + "globals()['Sess' 'ion'] = object\n"),
    (MODULE, MODULE + "exec(__import__('base64').b64decode('U2Vzc2lvbi5jaGVjayA9IE5vbmU='))\n"),
    (MODULE, MODULE + "\n\ndef _f():\n    import sys\n"
     "    vars(sys.modules[__name__])['Sess' 'ion'] = object\n"),
])
def test_rebinding_the_hot_method_from_elsewhere_in_its_file_is_a_hit(repo: Repo, base: str,
                                                                      after: str) -> None:
    hot_repo(repo, **{"lib/session.py": base})
    repo.write("lib/session.py", after)
    result = judged_hot(repo)
    assert hot_reasons(result, "lib/session.py"), result
    assert result.tier == "high"


@pytest.mark.parametrize(("base", "after"), [
    (MODULE, MODULE + "\n\ndef use(value):\n    return Session().check(value)\n"),
    (MODULE, MODULE.replace('return "session"', 'return "a session"')),
    (BASED, BASED.replace("return 1", "return 2")),
    (MODULE, MODULE.replace("LIMIT = 10", "LIMIT = 11")),
])
def test_using_the_class_or_changing_a_neighbour_is_not_a_hit(repo: Repo, base: str,
                                                              after: str) -> None:
    hot_repo(repo, **{"lib/session.py": base})
    repo.write("lib/session.py", after)
    assert hot_reasons(judged_hot(repo), "lib/session.py") == []
