"""Typed settings: each piece declares its ``svc.<piece>.<name>`` keys once, with defaults.

A malformed or unknown key fails at start-up with a message that names it.
"""
import re
import types

from pyramid.exceptions import ConfigurationError
from pyramid.path import DottedNameResolver


class SettingError(ConfigurationError):
    """A setting is malformed or unknown; the message names the key."""


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?\s*$", re.I)
_UNITS = {
    None: 1, "b": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
}


def as_bool(value):
    """``true/false``, ``yes/no``, ``on/off`` or ``1/0``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def as_int(minimum=None, maximum=None):
    def parse(value):
        number = int(str(value).strip())
        _check_range(number, minimum, maximum)
        return number

    parse.__doc__ = "an integer"
    return parse


def as_seconds(minimum=0.0, maximum=None):
    """A duration in seconds (a float), strictly above ``minimum``."""

    def parse(value):
        number = float(str(value).strip())
        if not number > minimum or number != number:
            raise ValueError(f"expected a number of seconds above {minimum}")
        _check_range(number, None, maximum)
        return number

    return parse


def as_size(value):
    """Bytes: a plain integer or one with a unit (``8KiB``, ``64MiB``, ``1GB``)."""
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError("expected a size such as 8192, 8KiB or 64MiB")
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _UNITS[unit]


def as_list(value):
    """Words separated by whitespace, commas or newlines, as a tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return tuple(w for w in re.split(r"[\s,]+", str(value)) if w)


def as_text(value):
    return str(value).strip()


def as_dotted(value):
    """A dotted name (``package.module:Name``), imported at start-up so a typo fails there."""
    try:
        return DottedNameResolver().maybe_resolve(as_text(value))
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"cannot be imported: {exc}") from None


def _check_range(number, minimum, maximum):
    if minimum is not None and number < minimum:
        raise ValueError(f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"must be at most {maximum}")


class SettingsSpec:
    """The keys of one namespace (``svc.urls``), each a ``(parser, default)`` pair."""

    def __init__(self, namespace, **fields):
        self.namespace = namespace
        self.fields = fields

    def parse(self, settings, strict=False):
        """The typed values; with ``strict``, any key of ``settings`` this spec does not
        declare is an error (for settings that are this namespace's alone)."""
        if strict:
            for key in settings:
                namespace, _, name = key.rpartition(".")
                if namespace != self.namespace or name not in self.fields:
                    raise self.unknown(key)
        values = {}
        for name, (parser, default) in self.fields.items():
            key = f"{self.namespace}.{name}"
            raw = settings.get(key, default)
            try:
                values[name] = parser(raw) if raw is not None else None
            except (TypeError, ValueError) as exc:
                raise SettingError(f"setting {key} = {raw!r} is malformed: {exc}") from None
        return types.SimpleNamespace(**values)

    def unknown(self, key):
        return SettingError(f"unknown setting {key}; {self.namespace} knows: {', '.join(sorted(self.fields))}")


def with_defaults(global_conf, local_conf, prefixes):
    """A section's settings: the ini's [DEFAULT] keys that start with ``prefixes``, then its own keys."""
    merged = {k: v for k, v in global_conf.items() if k.startswith(prefixes)}
    merged.update(local_conf)
    return merged


def read_settings(config, spec):
    """Parse ``spec`` from the app's settings, remember it, and return the values."""
    specs = config.registry.svc_setting_specs
    values = spec.parse(config.get_settings())
    specs[spec.namespace] = spec
    config.registry.settings[spec.namespace] = values
    return values


def parse_pieces(value, known):
    pieces = as_list(value)
    unknown = [p for p in pieces if p not in known]
    if unknown or not pieces:
        raise SettingError(
            f"setting svc.pieces = {value!r} names unknown pieces {unknown}; "
            f"known pieces are: {' '.join(known)}"
        )
    return list(dict.fromkeys(pieces))


def check_unknown_settings(registry, known_pieces):
    """Refuse ``svc.*`` keys that no included piece declares (typos fail loudly)."""
    specs = registry.svc_setting_specs
    for key in registry.settings:
        if not isinstance(key, str) or not key.startswith("svc.") or key in specs:
            continue
        namespace, _, name = key.rpartition(".")
        if namespace in specs:
            if name in specs[namespace].fields:
                continue
            raise specs[namespace].unknown(key)
        piece = namespace.split(".")[1] if "." in namespace else None
        if piece in known_pieces:
            continue  # a piece this app does not include, set in a shared [DEFAULT]
        raise SettingError(f"unknown setting {key}")
