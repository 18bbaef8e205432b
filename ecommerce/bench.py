"""A bare DRF endpoint: the baseline the benchmark compares real endpoints with.

Routed only when settings.BENCHMARK_ENDPOINTS is true (tests/perf/bench.py sets it).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class BareView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        responses={200: inline_serializer("BenchBare", {"ok": serializers.BooleanField()})},
        summary="Answer a bare OK (benchmark baseline)",
    )
    def get(self, request):
        return Response({"ok": True})
