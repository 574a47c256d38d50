"""Configuration: defaults, the example file, and errors that name the key, the value and what is expected."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from sheetsync.config import ConfigError, config_path, load_config

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "sheetsync.example.toml"


def _example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_defaults_work_out_of_the_box(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = load_config(None)
    assert (c.agency.timezone, c.agency.locale, c.agency.currency, c.agency.holidays_country) == (
        "Europe/Moscow", "ru", "RUB", "RU")
    assert c.backend.type == "emulator" and c.emulator_dir == tmp_path / "data" / "emulator"
    assert c.store_url == f"sqlite:///{tmp_path / 'data' / 'sheetsync.db'}"
    assert (c.sync.interval_seconds, c.sharing.client_role, c.invoices.meeting_weekday) == (60, "reader", "wed")


def test_the_example_loads_completely():
    c = load_config(EXAMPLE)
    assert [d.key for d in c.departments] == ["dev", "design", "marketing"]
    assert len(c.specialists) == 6 and len(c.task_types) == 5 and len(c.clients) == 3
    assert c.departments[0].monthly_minimum == Decimal("1200000")
    assert c.specialists[1].working_days == ["mon", "tue", "wed", "thu"]
    assert c.client("greenfood").locale == "en"
    assert c.client("romashka").store_fields(c)["locale"] == "ru"
    assert c.sync.conflict_policy["team"] == "store" and c.sync.default_winner == "sheet"
    assert c.store_url.endswith("config/data/sheetsync.db")  # relative to the file, not the cwd
    assert c.path == EXAMPLE


@pytest.mark.parametrize(("patch", "expected"), [
    ({"specialists": [{}, {}, {"weekly_hours": "forty"}]},
     'specialists[2].weekly_hours: expected a positive number of hours, got "forty"'),
    ({"agency": {"timezone": "Moscow"}}, 'agency.timezone: expected an IANA time zone such as Europe/Moscow, got "Moscow"'),
    ({"agency": {"locale": "de"}}, 'agency.locale: expected ru or en, got "de"'),
    ({"agency": {"holidays_country": "XX"}}, "agency.holidays_country: expected a country code"),
    ({"agency": {"colour": "red"}}, "agency.colour: unknown key (known keys here: name, timezone"),
    ({"clients": [{"viewer_emails": ["svetlana"]}]},
     'clients[0].viewer_emails[0]: expected an email address like name@example.com, got "svetlana"'),
    ({"clients": [{"slug": "Ромашка"}]}, "clients[0].slug: expected a short key of lowercase letters"),
    ({"sharing": {"client_role": "writer"}}, 'sharing.client_role: expected "reader" or "commenter", got "writer"'),
    ({"sync": {"interval_seconds": 0}}, "sync.interval_seconds: expected a whole number of seconds from 5 to 86400, got 0"),
    ({"sync": {"conflict_policy": {"default": "both"}}}, 'sync.conflict_policy.default: expected "sheet" or "store", got "both"'),
    ({"sync": {"conflict_policy": {"money": "store"}}}, "sync.conflict_policy.money: expected \"default\" or a group"),
    ({"sync": {"field_groups": {"team": ["salary"]}}}, "sync.field_groups.team: expected task fields"),
    ({"planning": {"min_sample_size": 0}}, "planning.min_sample_size: expected a whole number >= 1"),
    ({"metrics": {"report_threshold": 1.5}}, "metrics.report_threshold: expected a share between 0 and 1"),
    ({"invoices": {"meeting_time": "25:00"}}, 'invoices.meeting_time: expected a time as HH:MM, got "25:00"'),
    ({"schedule": {"plan": "monday morning"}}, 'schedule.plan: expected "daily HH:MM"'),
    ({"backend": {"type": "excel"}}, 'backend.type: expected "emulator" or "google", got "excel"'),
    ({"departments": [{"monthly_minimum": -5}]}, "departments[0].monthly_minimum: expected the monthly minimum"),
    ({"task_types": [{"default_estimate_hours": "два"}]}, 'task_types[0].default_estimate_hours: expected a positive number of hours, got "два"'),
])
def test_errors_name_the_key_the_value_and_what_is_expected(patch, expected):
    data = _example()
    for section, value in patch.items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                data[section][i].update(item)
        else:
            data.setdefault(section, {}).update(value)
    with pytest.raises(ConfigError) as info:
        load_config(data)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_cross_checks_duplicates_and_unknown_department():
    data = _example()
    data["clients"][2]["slug"] = "romashka"
    data["specialists"][0]["department"] = "sales"
    with pytest.raises(ConfigError) as info:
        load_config(data)
    assert 'clients[2].slug: expected a value not used by clients[0], got \'romashka\'' in info.value.problems
    assert any(p.startswith("specialists[0].department: expected one of the departments' keys (design, dev, "
                            "marketing), got 'sales'") for p in info.value.problems)


def test_missing_required_key_is_named():
    with pytest.raises(ConfigError, match=r"departments\[0\]\.name: expected a non-empty name, but it is missing"):
        load_config({"departments": [{"key": "dev"}]})


def test_google_backend_without_credentials_uses_adc(monkeypatch):
    # nothing configured: Application Default Credentials at connect time (a clear error there if none)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    assert load_config({"backend": {"type": "google"}}).credentials_path is None
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/etc/key.json")
    assert load_config({"backend": {"type": "google"}}).credentials_path == Path("/etc/key.json")


def test_file_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="no such file.*sheetsync init"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[agency\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_config_path_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETSYNC_CONFIG", raising=False)
    assert config_path(None) is None
    (tmp_path / "sheetsync.toml").write_text("", encoding="utf-8")
    assert config_path(None) == Path("sheetsync.toml")
    monkeypatch.setenv("SHEETSYNC_CONFIG", "/etc/sheetsync.toml")
    assert config_path(None) == Path("/etc/sheetsync.toml")
    assert config_path("x.toml") == Path("x.toml")


def test_sqlite_store_url_relative_to_the_config_file(tmp_path):
    path = tmp_path / "cfg" / "sheetsync.toml"
    path.parent.mkdir()
    path.write_text('[store]\nurl = "sqlite:///db/store.db"\n', encoding="utf-8")
    assert load_config(path).store_url == f"sqlite:///{tmp_path / 'cfg' / 'db' / 'store.db'}"
    pg = {"store": {"url": "postgresql+psycopg://u@h/db"}}
    assert load_config(pg).store_url == "postgresql+psycopg://u@h/db"


def test_quota_table_reaches_the_transport_budget():
    """A raised project quota in [quota] becomes the shared request budget's limits."""
    from sheetsync.config import ConfigError, load_config
    from sheetsync.sheets.client import backend_from_config

    cfg = load_config({"quota": {"read_per_user": 120, "write_per_project": 600}})
    q = backend_from_config(cfg).quota
    assert (q.read_per_user, q.write_per_project, q.write_per_user) == (120, 600, 60)
    assert backend_from_config(load_config(None)).quota is None  # no table: the backend's own default
    with pytest.raises(ConfigError, match=r"quota\.read_per_user"):
        load_config({"quota": {"read_per_user": 0}})
