"""HTTP routers. Every module here that defines ``router`` (an :class:`fastapi.APIRouter`) is mounted by
:func:`api.main.create_app`, in module-name order; nothing else needs registering.

To add an endpoint group (``/ask``, ``/factsheets``, ``/calls``, ``/exchanges``, …) add a module, e.g.
``api/routers/ask.py``::

    from fastapi import APIRouter

    from api.auth import CallerDep, EditorDep
    from api.deps import ServicesDep
    from api.errors import ERROR_RESPONSES

    router = APIRouter(tags=["ask"], responses=ERROR_RESPONSES)

    @router.post("/ask", response_model=AskResponse)
    def ask(body: AskRequest, caller: CallerDep, services: ServicesDep) -> AskResponse:
        \"\"\"Docstring: shown in /docs.\"\"\"
        return services.ask(body.question, allowed_visibility=caller.allowed_visibility)

Rules every router follows: HTTP only (parse, call one :class:`api.services.Services` method, return a
pydantic model); pass ``caller.allowed_visibility`` into every Services call that reads documents, so the
caller's tier is part of the Qdrant query; use ``EditorDep`` for anything that writes; raise
:mod:`core.errors` exceptions (the app maps them to JSON errors); plain ``def`` for blocking work
(it runs in the thread pool), ``async def`` only when nothing blocks.
"""
