"""Several catalogs on one file, and a closed catalog."""

import pytest

from smartmedia.catalog import SqliteCatalog
from smartmedia.errors import CatalogError
from smartmedia.model import MediaPool, MediaType


def test_two_connections_see_each_others_commits_and_never_share_a_label(tmp_path):
    path = tmp_path / "shared.db"
    with SqliteCatalog(path) as a, SqliteCatalog(path) as b:
        a.add_pool(MediaPool(name="Vault", media_type=MediaType.LTO9))
        labels = []
        for _ in range(5):
            labels.append(a.allocate("Vault").label)
            labels.append(b.allocate("Vault").label)
        assert labels == [f"Vault_{i}" for i in range(1, 11)]
        assert b.pool("Vault").media_type is MediaType.LTO9


def test_a_closed_catalog_raises_catalog_errors(tmp_path):
    catalog = SqliteCatalog(tmp_path / "c.db")
    catalog.close()
    with pytest.raises(CatalogError, match="closed"):
        catalog.pools()
    with pytest.raises(CatalogError):
        catalog.add_pool(MediaPool(name="P", media_type=MediaType.LTO9))
