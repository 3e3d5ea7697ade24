"""The AWS-managed public layers the local cloud knows: SSM parameter, layer ARN, contents.

Templates name a layer by the public SSM parameter of one release, resolved when the
stack deploys. The local cloud has no network, so it knows the releases listed here,
as their publishers document them, and nothing else: a parameter missing from this
table fails the deployment, as a parameter that does not exist fails it on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

POWERTOOLS_ACCOUNT = "017000801446"
# Regions that publish the Powertools v3 layers (the Powertools install page's table).
POWERTOOLS_REGIONS = """
af-south-1 ap-east-1 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2
ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5 ap-southeast-7
ca-central-1 eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1
eu-west-2 eu-west-3 il-central-1 me-central-1 me-south-1 mx-central-1 sa-east-1
us-east-1 us-east-2 us-west-1 us-west-2
"""

# AWS SDK for pandas 3.17.0, Python 3.11, arm64 (docs/source/layers.rst at its release tag):
# region, publishing account, layer version. The account differs in the newer regions.
_PANDAS_3_17_0_PY311_ARM64 = """
af-south-1 336392948345 32      ap-east-1 839552336658 29       ap-northeast-1 336392948345 33
ap-northeast-2 336392948345 33  ap-northeast-3 336392948345 33  ap-south-1 336392948345 33
ap-south-2 246107603503 26      ap-southeast-1 336392948345 33  ap-southeast-2 336392948345 33
ap-southeast-3 258944054355 29  ap-southeast-4 945386623051 26  ca-central-1 336392948345 33
ca-west-1 941713567376 3        eu-central-1 336392948345 33    eu-central-2 956415814219 26
eu-north-1 336392948345 33      eu-south-1 774444163449 29      eu-south-2 982086096842 26
eu-west-1 336392948345 33       eu-west-2 336392948345 33       eu-west-3 336392948345 33
il-central-1 263840725265 26    me-central-1 593833071574 26    sa-east-1 336392948345 33
us-east-1 336392948345 33       us-east-2 336392948345 33       us-west-1 336392948345 33
us-west-2 336392948345 33
"""


@dataclass(frozen=True)
class Library:
    """A library a layer carries, and how closely the process's copy must match it."""

    name: str
    version: str
    match: str = "release"
    """The same ``release``, or the same ``feature`` release (major.minor)."""

    def serves(self, installed: str) -> bool:
        """Whether code tested on ``installed`` runs the same on this layer's library."""
        if self.match == "feature":
            return installed.split(".")[:2] == self.version.split(".")[:2]
        return installed == self.version


@dataclass(frozen=True)
class LayerRelease:
    """One published layer release: what it is called, where, and which libraries it carries."""

    layer: str
    libraries: tuple[Library, ...]
    published: Mapping[str, tuple[str, int]]
    """Region to (publishing account, layer version)."""
    parameter: str | None = None
    """The public SSM parameter naming it, where its publisher has one."""

    def arn(self, region: str) -> str | None:
        if region not in self.published:
            return None
        account, number = self.published[region]
        return f"arn:aws:lambda:{region}:{account}:layer:{self.layer}:{number}"

    def library(self, name: str) -> Library | None:
        return next((library for library in self.libraries if library.name == name), None)


def _everywhere(account: str, number: int) -> dict[str, tuple[str, int]]:
    return {region: (account, number) for region in POWERTOOLS_REGIONS.split()}


def _table(text: str) -> dict[str, tuple[str, int]]:
    words = text.split()
    return {words[i]: (words[i + 1], int(words[i + 2])) for i in range(0, len(words), 3)}


RELEASES = (
    # The release the stacks pin (pyproject.toml pins the same version). Its layer number
    # is inferred, not read from AWS: one layer version per PyPI release since 27 = 3.23.0,
    # which fits 32 = 3.28.0 and 38 = 3.35.0 seen in public templates. Templates never name
    # the number; they read the parameter.
    LayerRelease(
        layer="AWSLambdaPowertoolsPythonV3-python311-arm64",
        libraries=(Library("aws-lambda-powertools", "3.37.0"),),
        published=_everywhere(POWERTOOLS_ACCOUNT, 40),
        parameter="/aws/service/powertools/python/arm64/python3.11/3.37.0",
    ),
    # The layer the stacks once hard-coded: 3.23.0 (Powertools issue 7689), whose SSM
    # parameter was never published.
    LayerRelease(
        layer="AWSLambdaPowertoolsPythonV3-python311-arm64",
        libraries=(Library("aws-lambda-powertools", "3.23.0"),),
        published=_everywhere(POWERTOOLS_ACCOUNT, 27),
    ),
    # The numpy and pyarrow the layer carries are the ones its uv.lock (at tag 3.17.0)
    # resolves for Python 3.11. Both change their API only in feature releases (numpy
    # 2.2 -> 2.3, pyarrow 24.0 -> 25.0), so the patch may differ. pandas is left out:
    # the functions must not import it.
    LayerRelease(
        layer="AWSSDKPandas-Python311-Arm64",
        libraries=(
            Library("numpy", "2.2.6", match="feature"),
            Library("pyarrow", "24.0.0", match="feature"),
        ),
        published=_table(_PANDAS_3_17_0_PY311_ARM64),
        parameter="/aws/service/aws-sdk-pandas/3.17.0/py3.11/arm64/layer-arn",
    ),
)


class ParameterNotFound(LookupError):
    """No public parameter of that name in that region."""


def public_parameter(name: str, region: str) -> str | None:
    """The value of a public ``/aws/service/...`` parameter; None if the name is not public."""
    if not name.startswith("/aws/service/"):
        return None
    for release in RELEASES:
        if release.parameter == name and (arn := release.arn(region)):
            return arn
    raise ParameterNotFound(f"public SSM parameter {name} does not exist in {region}")


def layer_contents(arn: str) -> LayerRelease | None:
    """The known release a layer version ARN names, or None for a layer the table lacks."""
    region = arn.split(":")[3] if arn.count(":") >= 7 else ""
    return next((r for r in RELEASES if r.arn(region) == arn), None)
