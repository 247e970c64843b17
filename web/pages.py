"""The HTML pages: search. (The document library is in :mod:`web.library`.)

Everything works without JavaScript: the search form is a GET form back to ``/search``
and results are rendered on the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from assistant.query import QuestionError
from assistant.retrieval import SearchError
from web.deps import RetrieverDep
from web.errors import FieldError, explain
from web.schemas import MAX_TOP_K, SearchParams
from web.templating import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/search")
def search_page(request: Request, retriever: RetrieverDep):
    """The search form and, when a question was asked, its passages."""
    query = request.query_params
    form = {"q": query.get("q", ""), "top_k": query.get("top_k", ""),
            "retriever": query.get("retriever", ""),
            "doc": [d for d in query.getlist("doc") if d],
            "kind": [k for k in query.getlist("kind") if k]}
    context = {"form": form, "documents": retriever.catalog.documents(), "results": None,
               "errors": [], "errors_by": {}, "max_top_k": MAX_TOP_K,
               "default_top_k": min(retriever.settings.top_k, MAX_TOP_K),
               "default_retriever": retriever.settings.retriever}
    if "q" not in query:  # a first visit, or a link such as "search this document"
        return render(request, "search.html", **context)
    try:
        given = {k: v for k, v in form.items() if v not in ("", [])}
        params = SearchParams.model_validate({**given, "q": form["q"]})
        results = retriever.search(params.q, top_k=params.top_k, retriever=params.retriever,
                                   doc_ids=params.doc or None, kinds=params.kind or None)
        context["results"] = [r.as_json() for r in results]
    except ValidationError as err:
        context["errors"] = explain(err.errors())
    except QuestionError as err:
        context["errors"] = [FieldError("q", str(err))]
    except SearchError as err:
        context["errors"] = [FieldError("doc", str(err))]
    context["errors_by"] = {e.field: e.message for e in context["errors"]}
    return render(request, "search.html", status_code=400 if context["errors"] else 200, **context)
