from conftest import Repo, incident


def test_new_in_empty_repo(repo: Repo) -> None:
    result = incident("new", "Checkout API 500s", "--severity", "SEV2")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().startswith("incidents/")
