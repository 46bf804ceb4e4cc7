"""The package's build compiles the message catalogs (digest/locale/*/LC_MESSAGES/digest.po
→ .mo) with Babel, so an installed digest speaks the editors' language. Everything else
about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path("digest") / "locale"


class build_py_with_catalogs(build_py):
    """build_py, then each .po compiled into the built package (in place for an editable
    install, where the package is the source folder)."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(LOCALE if self.editable_mode else Path(self.build_lib) / LOCALE)
        for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
            mo = target / po.relative_to(LOCALE).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as compiled:
                write_mo(compiled, catalog)


setup(cmdclass={"build_py": build_py_with_catalogs})
