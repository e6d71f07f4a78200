package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

// UserDTO is the OpenAPI document's User.
type UserDTO struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	DisplayName string  `json:"display_name"`
	Role        string  `json:"role"`
	AvatarURL   *string `json:"avatar_url"`
	IsActive    bool    `json:"is_active"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

// NewUserDTO maps a user; the avatar URL is a path under /api/avatars/, or
// an absolute URL when a public base URL is configured.
func NewUserDTO(u account.User, publicBaseURL string) UserDTO {
	return UserDTO{
		ID: u.ID(), Email: u.Email().String(), DisplayName: u.DisplayName().String(), Role: u.Role().String(),
		AvatarURL: AvatarURL(u.AvatarKey(), publicBaseURL), IsActive: u.IsActive(),
		CreatedAt: FormatTime(u.CreatedAt()), UpdatedAt: FormatTime(u.UpdatedAt()),
	}
}

// AvatarURL is where an avatar key is served, or nil for no avatar.
func AvatarURL(key, publicBaseURL string) *string {
	if key == "" {
		return nil
	}
	s := strings.TrimRight(publicBaseURL, "/") + "/api/avatars/" + key
	return &s
}

// TokensDTO is the OpenAPI document's Tokens; lifetimes in whole seconds.
type TokensDTO struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

func newTokensDTO(t auth.Tokens) TokensDTO {
	return TokensDTO{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int64(t.AccessExpiresIn.Seconds()), RefreshExpiresIn: int64(t.RefreshExpiresIn.Seconds()),
	}
}

type sessionDTO struct {
	User   UserDTO   `json:"user"`
	Tokens TokensDTO `json:"tokens"`
}

type tokensOnlyDTO struct {
	Tokens TokensDTO `json:"tokens"`
}

// AuthHandler serves /api/auth (the OpenAPI document's auth tag).
type AuthHandler struct {
	svc     *auth.Service
	baseURL string
}

// NewAuthHandler makes the auth routes.
func NewAuthHandler(svc *auth.Service, opts Options) *AuthHandler {
	return &AuthHandler{svc: svc, baseURL: opts.PublicBaseURL}
}

func (h *AuthHandler) Routes() []Route {
	return []Route{
		{http.MethodPost, "/auth/register", ClassAuth, Public, h.register},
		{http.MethodPost, "/auth/login", ClassAuth, Public, h.login},
		{http.MethodPost, "/auth/refresh", ClassAuth, Public, h.refresh},
		{http.MethodPost, "/auth/logout", ClassAuth, SignedIn, h.logout},
	}
}

type registerBody struct {
	Email       string `json:"email" validate:"required"`
	Password    string `json:"password" validate:"required"`
	DisplayName string `json:"display_name" validate:"required"`
}

func (h *AuthHandler) register(c *gin.Context) {
	var b registerBody
	err := Bind(c, &b)
	r, rules := auth.ParseRegistration(b.Email, b.Password, b.DisplayName)
	if err := errs.Merge(err, rules); err != nil {
		Fail(c, err)
		return
	}
	s, err := h.svc.Register(c.Request.Context(), r)
	if err != nil {
		Fail(c, err)
		return
	}
	SetUserID(c, s.User.ID())
	OK(c, http.StatusCreated, sessionDTO{User: NewUserDTO(s.User, h.baseURL), Tokens: newTokensDTO(s.Tokens)}, "Account created")
}

type loginBody struct {
	Email    string `json:"email" validate:"required"`
	Password string `json:"password" validate:"required"`
}

func (h *AuthHandler) login(c *gin.Context) {
	var b loginBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	s, err := h.svc.Login(c.Request.Context(), b.Email, b.Password)
	if err != nil {
		Fail(c, err)
		return
	}
	SetUserID(c, s.User.ID())
	OK(c, http.StatusOK, sessionDTO{User: NewUserDTO(s.User, h.baseURL), Tokens: newTokensDTO(s.Tokens)}, "Logged in")
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token" validate:"required"`
}

func (h *AuthHandler) refresh(c *gin.Context) {
	var b refreshBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	t, err := h.svc.Refresh(c.Request.Context(), b.RefreshToken)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, tokensOnlyDTO{Tokens: newTokensDTO(t)}, "Tokens refreshed")
}

func (h *AuthHandler) logout(c *gin.Context) {
	var b refreshBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	u, _ := CurrentUser(c)
	if err := h.svc.Logout(c.Request.Context(), u.ID(), b.RefreshToken); err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, nil, "Logged out")
}

// UsersHandler serves the caller's own account routes of the OpenAPI document.
type UsersHandler struct {
	svc     *users.Service
	baseURL string
}

// NewUsersHandler makes the /api/users/me routes.
func NewUsersHandler(svc *users.Service, opts Options) *UsersHandler {
	return &UsersHandler{svc: svc, baseURL: opts.PublicBaseURL}
}

func (h *UsersHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/users/me", ClassUser, SignedIn, h.Me},
		{http.MethodPatch, "/users/me", ClassUser, SignedIn, h.updateProfile},
		{http.MethodPost, "/users/me/password", ClassUser, SignedIn, h.changePassword},
	}
}

// Me answers the user RequireUser loaded, without reading it again.
func (h *UsersHandler) Me(c *gin.Context) {
	u, ok := CurrentUser(c)
	if !ok {
		unauthorized(c, errs.E(errs.Unauthorized, errs.CodeUnauthorized, ""))
		return
	}
	OK(c, http.StatusOK, NewUserDTO(u, h.baseURL), "Current user")
}

type profileBody struct {
	DisplayName string `json:"display_name" validate:"required"`
}

func (h *UsersHandler) updateProfile(c *gin.Context) {
	var b profileBody
	err := Bind(c, &b)
	name, rules := account.ParseDisplayName(b.DisplayName)
	if err := errs.Merge(err, errs.Prefix("display_name", rules)); err != nil {
		Fail(c, err)
		return
	}
	me, _ := CurrentUser(c)
	u, err := h.svc.UpdateProfile(c.Request.Context(), me.ID(), name)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, NewUserDTO(u, h.baseURL), "Profile updated")
}

type passwordBody struct {
	CurrentPassword string `json:"current_password" validate:"required"`
	NewPassword     string `json:"new_password" validate:"required"`
}

func (h *UsersHandler) changePassword(c *gin.Context) {
	var b passwordBody
	err := Bind(c, &b)
	next, rules := account.ParsePassword(b.NewPassword)
	if err := errs.Merge(err, errs.Prefix("new_password", rules)); err != nil {
		Fail(c, err)
		return
	}
	me, _ := CurrentUser(c)
	t, err := h.svc.ChangePassword(c.Request.Context(), me.ID(), b.CurrentPassword, next)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, tokensOnlyDTO{Tokens: newTokensDTO(t)}, "Password changed")
}

// AdminUsersHandler serves the admin user routes of the OpenAPI document.
type AdminUsersHandler struct {
	svc     *users.Service
	baseURL string
}

// NewAdminUsersHandler makes the /api/admin/users routes.
func NewAdminUsersHandler(svc *users.Service, opts Options) *AdminUsersHandler {
	return &AdminUsersHandler{svc: svc, baseURL: opts.PublicBaseURL}
}

func (h *AdminUsersHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/admin/users", ClassAuth, AdminOnly, h.list},
		{http.MethodPatch, "/admin/users/:id", ClassAuth, AdminOnly, h.update},
	}
}

type userPageDTO struct {
	Items      []UserDTO `json:"items"`
	NextCursor *string   `json:"next_cursor"`
}

func (h *AdminUsersHandler) list(c *gin.Context) {
	q := users.ListQuery{Cursor: c.Query("cursor"), Search: c.Query("q")}
	if raw, given := c.GetQuery("limit"); given {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			Fail(c, errs.Validation(errs.Field("limit", "must be an integer")))
			return
		}
		if n < 1 { // 0 would mean "the default" to the use case; a client asking 0 gets 1
			n = 1
		}
		q.Limit = n
	}
	p, err := h.svc.ListUsers(c.Request.Context(), q)
	if err != nil {
		Fail(c, err)
		return
	}
	items := make([]UserDTO, 0, len(p.Users))
	for _, u := range p.Users {
		items = append(items, NewUserDTO(u, h.baseURL))
	}
	var next *string
	if p.NextCursor != "" {
		next = &p.NextCursor
	}
	OKWith(c, http.StatusOK, userPageDTO{Items: items, NextCursor: next}, "Users",
		map[string]any{"pagination": map[string]any{"limit": p.Limit, "has_more": next != nil, "next_cursor": next}})
}

type adminUserBody struct {
	Role     *string `json:"role"`
	IsActive *bool   `json:"is_active"`
}

func (h *AdminUsersHandler) update(c *gin.Context) {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		Fail(c, errs.E(errs.NotFound, errs.CodeNotFound, "No such user."))
		return
	}
	var b adminUserBody
	err := Bind(c, &b)
	var ch users.Change
	var rules error
	if b.Role != nil {
		r, rerr := account.ParseRole(*b.Role)
		rules = errs.Prefix("role", rerr)
		ch.Role = &r
	}
	if err := errs.Merge(err, rules); err != nil {
		Fail(c, err)
		return
	}
	ch.Active = b.IsActive
	me, _ := CurrentUser(c)
	u, err := h.svc.UpdateUser(c.Request.Context(), me.ID(), id, ch)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, NewUserDTO(u, h.baseURL), "User updated")
}
