"""Chroma, reached through llama-index: embedded in the data folder, or a server.

The store only ever receives vectors we computed ourselves (Chroma's own embedding
function would try to download a model). Ids come from the catalog; the store never
decides what is live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.settings import Settings


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached (or the embedded store cannot be opened)."""


@dataclass(frozen=True)
class VectorHit:
    """One nearest neighbour: chunk id and cosine similarity."""

    chunk_id: str
    similarity: float


SEARCH_BREADTH = 1000  # HNSW ef_search: candidates the nearest-neighbour search keeps


class VectorStore:
    """A Chroma collection wrapped by llama-index's ChromaVectorStore."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.vector_stores.chroma import ChromaVectorStore

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if settings.chroma_mode == "server":
                client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                             settings=chroma_settings)
                client.heartbeat()
            else:
                settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        except Exception as err:  # chromadb raises several types for a refused connection
            where = (f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                     if settings.chroma_mode == "server" else f"the Chroma store in {settings.chroma_dir}")
            raise StoreUnavailable(f"Cannot open {where}: {err}") from err
        self.collection = client.get_or_create_collection(
            settings.collection, metadata={"hnsw:space": "cosine"})
        # The graph search is approximate: at Chroma's default breadth (100) a question asking
        # for 120 neighbours sometimes missed a near-tied one, so the same question found
        # different passages from one run to the next. A wider search makes it repeatable.
        hnsw = (self.collection.configuration or {}).get("hnsw") or {}
        if (hnsw.get("ef_search") or 0) < SEARCH_BREADTH:
            self.collection.modify(configuration={"hnsw": {"ef_search": SEARCH_BREADTH}})
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, ids: list[str], texts: list[str], vectors: np.ndarray, metadata: list[dict]) -> None:
        """Add vectors under the given ids."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        # llama-index writes the node's source document id over metadata["doc_id"]
        # ("None" when there is none), so the document must be the node's source too,
        # or filtering and deleting by doc_id find nothing.
        nodes = [TextNode(id_=i, text=t, metadata=m, embedding=v.tolist(),
                          relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=m["doc_id"])}
                          if m.get("doc_id") else {},
                          excluded_embed_metadata_keys=list(m), excluded_llm_metadata_keys=list(m))
                 for i, t, v, m in zip(ids, texts, vectors, metadata)]
        if nodes:
            self.store.add(nodes)

    def delete(self, ids: list[str]) -> None:
        """Remove vectors by id (unknown ids are ignored)."""
        for begin in range(0, len(ids), 1000):
            batch = ids[begin:begin + 1000]
            if batch:
                self.store.delete_nodes(node_ids=batch)

    def ids(self) -> set[str]:
        """Every id in the collection."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=5000, offset=offset)["ids"]
            found.update(page)
            if len(page) < 5000:
                return found
            offset += len(page)

    def ids_for_doc(self, doc_id: str) -> set[str]:
        """Ids of every vector of one document."""
        return set(self.collection.get(where={"doc_id": doc_id}, include=[])["ids"])

    def count(self) -> int:
        """Number of vectors stored."""
        return self.collection.count()

    def query(self, vector: np.ndarray, top_k: int, doc_ids: list[str] | None = None) -> list[VectorHit]:
        """Nearest chunks to ``vector``, optionally only within ``doc_ids``."""
        from llama_index.core.vector_stores.types import (
            FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery)

        filters = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            filters = MetadataFilters(filters=[
                MetadataFilter(key="doc_id", value=list(doc_ids), operator=FilterOperator.IN)])
        top_k = min(top_k, max(self.count(), 1))
        result = self.store.query(VectorStoreQuery(query_embedding=vector.tolist(),
                                                   similarity_top_k=top_k, filters=filters))
        # llama-index reports exp(-distance); with cosine space, distance = 1 - cos.
        return [VectorHit(i, 1.0 + float(np.log(s))) for i, s in zip(result.ids, result.similarities)]
