"""`/graphql`: queries and the mutation over HTTP; subscriptions over graphql-transport-ws."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from reviews.graphql.context import Context, context_for
from reviews.graphql.schema import schema

__all__ = ["graphql_router"]


def graphql_router() -> GraphQLRouter[Context, None]:
    return GraphQLRouter(
        schema,
        path="/graphql",
        context_getter=context_for,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        graphql_ide=None,
        # Through the gateway and its ForwardAuth, as every route; a GET could be cached
        # or logged with its query, so queries go by POST only.
        allow_queries_via_get=False,
        keep_alive=True,
        keep_alive_interval=15,
        tags=["graphql"],
    )
