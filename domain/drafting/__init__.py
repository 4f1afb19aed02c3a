"""Drafting occurrences from article text: sentences, time expressions, kinds,
actors and places, figures, attribution and relations, all rule-based and
deterministic. See engine.Drafter."""

from domain.drafting.engine import Draft, Drafter
from domain.drafting.names import EntityDirectory, KnownEntity
from domain.drafting.vocabulary import Vocabulary

__all__ = ["Draft", "Drafter", "EntityDirectory", "KnownEntity", "Vocabulary"]
