import pytest


@pytest.fixture
def bank_directories(db):
    """The Indian and Canadian bank directories loaded from the real excerpts shipped with ChequeCloud."""
    from apps.cheques import services

    return {country: services.bank_directory_load_shipped(country=country, actor=None) for country in ("in", "ca")}
