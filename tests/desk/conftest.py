from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the pages in Chinese
