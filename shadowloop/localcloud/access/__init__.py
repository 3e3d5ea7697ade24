"""IAM and KMS evaluated locally: who calls, what their policies and the resource's allow."""
