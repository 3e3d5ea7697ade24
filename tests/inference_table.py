"""The inferences table as infra declares it, for tests that run on moto without a deployment.

``tests/infra/test_serving_stack.py`` holds the synthesized table to these same keys.
"""

from __future__ import annotations

from typing import Any

from lambdas.shared.contracts import feedback

KEY_SCHEMA = [{"AttributeName": "inference_id", "KeyType": "HASH"}]
FEEDBACK_INDEX = {
    "IndexName": feedback.INDEX,
    "KeySchema": [
        {"AttributeName": feedback.HOUR, "KeyType": "HASH"},
        {"AttributeName": feedback.SORT, "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(feedback.PROJECTED)},
}
ATTRIBUTES = [
    {"AttributeName": "inference_id", "AttributeType": "S"},
    {"AttributeName": feedback.HOUR, "AttributeType": "S"},
]


def create(dynamodb: Any, name: str) -> None:
    """An on-demand inferences table with the feedback index."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTES,
        GlobalSecondaryIndexes=[FEEDBACK_INDEX],
        BillingMode="PAY_PER_REQUEST",
    )


def label(dynamodb: Any, name: str, inference_id: str, actual: Any, hour: str) -> None:
    """Feedback as ``POST /feedback`` leaves it on an item (``hour`` as ``yyyy-mm-ddThh``)."""
    dynamodb.update_item(
        TableName=name,
        Key={"inference_id": {"S": inference_id}},
        UpdateExpression="SET #a = :a, #h = :h",
        ExpressionAttributeNames={"#a": feedback.ACTUAL, "#h": feedback.HOUR},
        ExpressionAttributeValues={":a": feedback.encode_actual(actual), ":h": {"S": hour}},
    )
