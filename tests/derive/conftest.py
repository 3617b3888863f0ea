from __future__ import annotations

from typing import Any

import pytest


def tiny_document() -> dict[str, Any]:
    """A small OpenAPI 3.0 document with the shapes Zuora's spec uses: refs, cycles, allOf, nullable."""
    return {
        "openapi": "3.0.0",
        "info": {"title": "tiny", "version": "1"},
        "paths": {
            "/v1/things/{thing-key}": {
                "parameters": [{"$ref": "#/components/parameters/TrackId"}],
                "put": {
                    "operationId": "PUT_Thing",
                    "parameters": [
                        {"in": "path", "name": "thing-key", "required": True, "schema": {"type": "string"}},
                        {"in": "query", "name": "pageSize", "schema": {"type": "integer", "maximum": 40}},
                        {"in": "query", "name": "noise", "schema": {"type": "string"}},
                        {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"}},
                        {"in": "header", "name": "If-Match", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRequest"}}},
                    },
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
                    },
                },
            },
            "/v1/things": {
                "get": {
                    "operationId": "GET_Things",
                    "parameters": [
                        {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
                    ],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "things": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Thing"},
                                            },
                                            "nextPage": {"type": "string"},
                                            "success": {"type": "boolean"},
                                        },
                                    }
                                }
                            }
                        }
                    },
                }
            },
        },
        "components": {
            "parameters": {
                "TrackId": {"in": "header", "name": "Zuora-Track-Id", "schema": {"type": "string", "maxLength": 64}}
            },
            "schemas": {
                "ThingRequest": {
                    "allOf": [
                        {
                            "type": "object",
                            "required": ["memoDate"],
                            "properties": {
                                "memoDate": {
                                    "type": "string",
                                    "format": "date",
                                    "description": "The **memo** date. See [docs](https://x.test/a). More text.",
                                },
                                "comment": {"type": "string", "maxLength": 255, "minLength": 0, "nullable": True},
                                "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                                "flag": {"type": "boolean", "enum": [True, False], "default": False},
                                "kind": {"type": "string", "enum": ["A", "B", "A"], "default": 7},
                                "id": {"type": "string", "readOnly": True},
                                "items": {
                                    "type": "array",
                                    "maxItems": 1000,
                                    "items": {"$ref": "#/components/schemas/Node"},
                                },
                            },
                        },
                        {"$ref": "#/components/schemas/NSFields"},
                        {"$ref": "#/components/schemas/CustomFields"},
                    ]
                },
                "Node": {
                    "type": "object",
                    "required": ["amount"],
                    "properties": {
                        "amount": {"type": "number", "format": "double"},
                        "child": {"$ref": "#/components/schemas/Node"},
                        "Sync__NS": {"type": "string"},
                    },
                },
                "NSFields": {
                    "type": "object",
                    "properties": {"IntegrationId__NS": {"type": "string"}, "Region__QT": {"type": "string"}},
                },
                "CustomFields": {
                    "type": "object",
                    "additionalProperties": {"description": "Custom fields, named *customField*__c."},
                },
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "number": {"type": "string"},
                        "status": {"type": "string", "enum": ["Draft", "Posted"]},
                        "thingDate": {"type": "string", "format": "date"},
                        "secret": {"type": "string", "writeOnly": True},
                        "success": {"type": "boolean"},
                    },
                },
            },
        },
    }


@pytest.fixture
def document() -> dict[str, Any]:
    return tiny_document()
