import pytest

from svc.web.settings import (
    SettingError,
    SettingsSpec,
    as_bool,
    as_int,
    as_list,
    as_seconds,
    as_size,
)


class TestParsers:
    @pytest.mark.parametrize("text, value", [("true", True), ("Off", False), (" 1 ", True), ("no", False)])
    def test_bool(self, text, value):
        assert as_bool(text) is value

    @pytest.mark.parametrize(
        "text, value",
        [("8192", 8192), ("8KiB", 8192), ("8k", 8192), ("64MiB", 64 << 20), ("1GB", 10**9), ("1 gib", 1 << 30)],
    )
    def test_size(self, text, value):
        assert as_size(text) == value

    @pytest.mark.parametrize("text", ["", "-1", "1.5k", "8 KiBs", "lots"])
    def test_bad_size(self, text):
        with pytest.raises(ValueError):
            as_size(text)

    def test_seconds_must_be_positive(self):
        assert as_seconds()("2.5") == 2.5
        for text in ("0", "-1", "nan", "x"):
            with pytest.raises(ValueError):
                as_seconds()(text)

    def test_int_range(self):
        assert as_int(1, 10)("10") == 10
        with pytest.raises(ValueError, match="at most 10"):
            as_int(1, 10)("11")

    def test_list(self):
        assert as_list("a, b\n c\td") == ("a", "b", "c", "d")


class TestSpec:
    SPEC = SettingsSpec("svc.x", limit=(as_size, "1KiB"), on=(as_bool, False))

    def test_defaults_are_parsed(self):
        values = self.SPEC.parse({})
        assert values.limit == 1024 and values.on is False

    def test_error_names_the_key_and_value(self):
        with pytest.raises(SettingError, match=r"svc\.x\.limit = 'big' is malformed"):
            self.SPEC.parse({"svc.x.limit": "big"})


class TestDottedAndStrict:
    def test_dotted_names_are_imported_at_parse_time(self):
        from svc.web.settings import as_dotted

        assert as_dotted(" svc.web.settings:as_dotted ") is as_dotted
        with pytest.raises(ValueError, match="cannot be imported"):
            as_dotted("svc.web.settings:no_such_thing")

    def test_strict_refuses_keys_the_spec_does_not_declare(self):
        spec = SettingsSpec("svc.x", limit=(as_size, "1KiB"))
        assert spec.parse({"svc.x.limit": "2KiB"}, strict=True).limit == 2048
        for key in ("svc.x.limt", "svc.y.limit", "limit"):
            with pytest.raises(SettingError, match=f"unknown setting {key}; svc.x knows: limit"):
                spec.parse({key: "1"}, strict=True)
