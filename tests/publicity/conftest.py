import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Services' messages are asserted in English (the source language); the default
    interface language is Simplified Chinese. Pages ask for English through the client."""
    with translation.override("en"):
        yield
