"""Every setting is documented: a description in code and a row in the README."""

from assistant.settings import PROJECT_ROOT, Settings


def test_every_setting_has_a_description():
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_every_setting_is_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`ASSISTANT_{name.upper()}`" not in readme]
    assert not missing, f"README lacks these settings: {missing}"


def test_environment_overrides_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    settings = Settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.top_k == 7
