"""Identity's endpoints: thin views that validate the shape of a request, call one service or
selector and serialize the result. Rules live in services; errors become the shared envelope."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.identity import selectors, services
from contexts.identity.backends import client_ip
from contexts.identity.rest import serializers as s
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated
from shared.rest.throttling import ScopedRateThrottle


def _tokens(pair: services.TokenPair) -> dict:
    return s.TokenPairOut({"access": pair.access, "refresh": pair.refresh}).data


class AnonymousView(APIView):
    """Endpoints for people who are not signed in: no credentials read, a throttle scope."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)


# --- Auth -----------------------------------------------------------------------------------


class RegisterView(AnonymousView):
    throttle_scope = "register"

    @extend_schema(
        request=s.RegisterIn,
        responses={201: s.ProfileOut, **error_responses(400, 409, 429)},
        summary="Register a buyer account",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.RegisterIn, request.data)
        user = services.user_register(
            email=data.get("email"), mobile=data.get("mobile"), password=data["password"]
        )
        return Response(s.ProfileOut(user).data, status=status.HTTP_201_CREATED)


class LoginView(AnonymousView):
    throttle_scope = "login"

    @extend_schema(
        request=s.LoginIn,
        responses={200: s.TokenPairOut, **error_responses(400, 401, 423, 429, 503)},
        summary="Sign in and get an access and refresh token",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.LoginIn, request.data)
        pair = services.user_login(
            identifier=data["identifier"], password=data["password"], ip=client_ip(request)
        )
        return Response(_tokens(pair))


class RefreshView(AnonymousView):
    throttle_classes = ()

    @extend_schema(
        request=s.RefreshIn,
        responses={200: s.TokenPairOut, **error_responses(400, 401)},
        summary="Exchange a refresh token for a new token pair",
        description="Rotates: the refresh token sent is spent, use the one returned.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.RefreshIn, request.data)
        return Response(_tokens(services.session_refresh(refresh_token=data["refresh"])))


class LogoutView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=s.LogoutIn,
        responses={204: None, **error_responses(400, 401, 403)},
        summary="Sign out the current session",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.LogoutIn, request.data)
        services.user_logout(user_id=request.user.pk, refresh_token=data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=s.PasswordChangeIn,
        responses={200: s.TokenPairOut, **error_responses(400, 401, 403)},
        summary="Change the password",
        description="Every other session is signed out; continue with the returned tokens.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.PasswordChangeIn, request.data)
        pair = services.password_change(
            user_id=request.user.pk,
            old_password=data["old_password"],
            new_password=data["new_password"],
            refresh_token=data["refresh"],
        )
        return Response(_tokens(pair))


class PasswordResetRequestView(AnonymousView):
    throttle_scope = "password_reset"

    @extend_schema(
        request=s.PasswordResetRequestIn,
        responses={202: s.DetailOut, **error_responses(400, 429)},
        summary="Request a password reset code",
        description="Same answer whether or not the account exists.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.PasswordResetRequestIn, request.data)
        services.password_reset_request(identifier=data["identifier"])
        return Response(
            {"detail": "If an account matches, a reset code has been sent to it."},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(AnonymousView):
    throttle_scope = "password_reset"

    @extend_schema(
        request=s.PasswordResetConfirmIn,
        responses={204: None, **error_responses(400, 429)},
        summary="Reset the password with a reset code",
        description="On success every session of the account is signed out.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.PasswordResetConfirmIn, request.data)
        services.password_reset_confirm(
            identifier=data["identifier"], code=data["code"], new_password=data["new_password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Profile --------------------------------------------------------------------------------


class MeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.ProfileOut, **error_responses(401)},
        summary="Get the signed-in user's profile",
    )
    def get(self, request: Request) -> Response:
        return Response(s.ProfileOut(selectors.user_get(user_id=request.user.pk)).data)

    @extend_schema(
        request=s.ProfileUpdateIn,
        responses={200: s.ProfileOut, **error_responses(400, 401)},
        summary="Update the signed-in user's profile",
    )
    def patch(self, request: Request) -> Response:
        data = validated(s.ProfileUpdateIn, request.data)
        user = services.profile_update(user_id=request.user.pk, data=data)
        return Response(s.ProfileOut(user).data)


# --- Addresses ------------------------------------------------------------------------------


class AddressListView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_me_addresses_list",
        responses={200: s.AddressOut(many=True), **error_responses(401)},
        summary="List the buyer's shipping addresses",
    )
    def get(self, request: Request) -> Response:
        addresses = selectors.address_list(user_id=request.user.pk)
        return Response(s.AddressOut(addresses, many=True).data)

    @extend_schema(
        request=s.AddressIn,
        responses={201: s.AddressOut, **error_responses(400, 401, 422)},
        summary="Add a shipping address",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.AddressIn, request.data)
        address = services.address_create(user_id=request.user.pk, **data)
        return Response(s.AddressOut(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.AddressOut, **error_responses(401, 404)},
        summary="Get a shipping address",
    )
    def get(self, request: Request, address_id: int) -> Response:
        address = selectors.address_get(user_id=request.user.pk, address_id=address_id)
        return Response(s.AddressOut(address).data)

    @extend_schema(
        request=s.AddressIn,
        responses={200: s.AddressOut, **error_responses(400, 401, 404, 422)},
        summary="Replace a shipping address",
    )
    def put(self, request: Request, address_id: int) -> Response:
        return self._update(request, address_id, partial=False)

    @extend_schema(
        request=s.AddressIn(partial=True),
        responses={200: s.AddressOut, **error_responses(400, 401, 404, 422)},
        summary="Update a shipping address",
    )
    def patch(self, request: Request, address_id: int) -> Response:
        return self._update(request, address_id, partial=True)

    def _update(self, request: Request, address_id: int, *, partial: bool) -> Response:
        data = validated(s.AddressIn, request.data, partial=partial)
        address = services.address_update(user_id=request.user.pk, address_id=address_id, data=data)
        return Response(s.AddressOut(address).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 404)},
        summary="Delete a shipping address",
    )
    def delete(self, request: Request, address_id: int) -> Response:
        services.address_delete(user_id=request.user.pk, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AddressDefaultView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={200: s.AddressOut, **error_responses(401, 404)},
        summary="Make an address the default",
    )
    def post(self, request: Request, address_id: int) -> Response:
        address = services.address_set_default(user_id=request.user.pk, address_id=address_id)
        return Response(s.AddressOut(address).data)


# --- Staff ----------------------------------------------------------------------------------


class AdminUserListView(APIView):
    permission_classes = (HasPermission("identity.user.read"),)

    @extend_schema(
        operation_id="v1_admin_users_list",
        parameters=[
            OpenApiParameter("search", str, description="Part of an email, mobile or nickname."),
            *PAGE_PARAMETERS,
        ],
        responses={200: s.AdminUserPageOut, **error_responses(401, 403)},
        summary="Search users (staff)",
    )
    def get(self, request: Request) -> Response:
        users = selectors.user_list(search=request.query_params.get("search") or None)
        return paginated(request, self, users, s.AdminUserOut)


class AdminUserDetailView(APIView):
    permission_classes = (HasPermission("identity.user.read"),)

    @extend_schema(
        responses={200: s.AdminUserOut, **error_responses(401, 403, 404)},
        summary="Get a user (staff)",
    )
    def get(self, request: Request, user_id: int) -> Response:
        return Response(s.AdminUserOut(selectors.user_get(user_id=user_id)).data)
