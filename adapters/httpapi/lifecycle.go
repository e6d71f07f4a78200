package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/lifecycle"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// LifecycleHandler serves the routes of the OpenAPI document's "Account
// lifecycle" tag: deletion with a grace period, restore, the admin's
// erasure, and data exports.
type LifecycleHandler struct {
	svc     *lifecycle.Service
	baseURL string
}

// NewLifecycleHandler makes the lifecycle routes.
func NewLifecycleHandler(svc *lifecycle.Service, opts Options) *LifecycleHandler {
	return &LifecycleHandler{svc: svc, baseURL: opts.PublicBaseURL}
}

// Routes: restore is an auth-class route like login, so it shares login's
// quota and lockout; the download is public like an avatar, its token
// being the secret.
func (h *LifecycleHandler) Routes() []Route {
	return []Route{
		{http.MethodDelete, "/users/me", ClassUser, SignedIn, h.deleteMe},
		{http.MethodPost, "/auth/restore", ClassAuth, Public, h.restore},
		{http.MethodDelete, "/admin/users/:id", ClassAuth, AdminOnly, h.erase},
		{http.MethodPost, "/users/me/exports", ClassUser, SignedIn, h.requestExport},
		{http.MethodGet, "/users/me/exports/:id", ClassUser, SignedIn, h.export},
		{http.MethodGet, "/exports/:token", ClassGeneral, Public, h.download},
	}
}

type deleteMeBody struct {
	Password string `json:"password" validate:"required"`
}

type deletionDTO struct {
	Status     string `json:"status"`
	PurgeAfter string `json:"purge_after"`
}

func (h *LifecycleHandler) deleteMe(c *gin.Context) {
	var b deleteMeBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	me, _ := CurrentUser(c)
	at, err := h.svc.RequestDeletion(c.Request.Context(), me.ID(), b.Password)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusAccepted, deletionDTO{Status: "pending_deletion", PurgeAfter: FormatTime(at)}, "Account scheduled for deletion")
}

func (h *LifecycleHandler) restore(c *gin.Context) {
	var b loginBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	r, err := h.svc.Restore(c.Request.Context(), b.Email, b.Password)
	if err != nil {
		Fail(c, err)
		return
	}
	SetUserID(c, r.User.ID())
	OK(c, http.StatusOK, sessionDTO{User: NewUserDTO(r.User, h.baseURL), Tokens: newTokensDTO(r.Tokens)}, "Account restored")
}

type erasedCountsDTO struct {
	Events       int  `json:"events"`
	Days         int  `json:"days"`
	Achievements int  `json:"achievements"`
	Avatar       bool `json:"avatar"`
	Exports      int  `json:"exports"`
}

type erasedDTO struct {
	Erased erasedCountsDTO `json:"erased"`
}

func (h *LifecycleHandler) erase(c *gin.Context) {
	id := strings.ToLower(c.Param("id"))
	if _, err := uuid.Parse(id); err != nil {
		Fail(c, errs.E(errs.NotFound, errs.CodeNotFound, "No such user."))
		return
	}
	me, _ := CurrentUser(c)
	out, err := h.svc.EraseNow(c.Request.Context(), me.ID(), id)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, erasedDTO{Erased: erasedCountsDTO{Events: out.Events, Days: out.Days, Achievements: out.Achievements,
		Avatar: out.AvatarKey != "", Exports: out.Exports}}, "User erased")
}

// exportDTO is the OpenAPI document's Export; the last four fields are null
// until the export is ready.
type exportDTO struct {
	ID          string  `json:"id"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	DownloadURL *string `json:"download_url"`
	ExpiresAt   *string `json:"expires_at"`
	SizeBytes   *int64  `json:"size_bytes"`
}

type exportCreatedDTO struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
}

func (h *LifecycleHandler) exportDTO(e ports.Export) exportDTO {
	out := exportDTO{ID: e.ID, Status: string(e.Status), CreatedAt: FormatTime(e.CreatedAt)}
	if e.Status == ports.ExportReady {
		url := strings.TrimRight(h.baseURL, "/") + "/api/exports/" + e.DownloadToken
		size := e.SizeBytes
		out.CompletedAt, out.DownloadURL, out.ExpiresAt, out.SizeBytes = FormatTimePtr(e.CompletedAt), &url, FormatTimePtr(e.ExpiresAt), &size
	}
	return out
}

func (h *LifecycleHandler) requestExport(c *gin.Context) {
	me, _ := CurrentUser(c)
	e, err := h.svc.RequestExport(c.Request.Context(), me.ID())
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusAccepted, exportCreatedDTO{ID: e.ID, Status: string(e.Status), CreatedAt: FormatTime(e.CreatedAt)}, "Export requested")
}

func (h *LifecycleHandler) export(c *gin.Context) {
	me, _ := CurrentUser(c)
	e, err := h.svc.Export(c.Request.Context(), me.ID(), c.Param("id"))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, h.exportDTO(e), "Export")
}

// download answers the zip, not enveloped (errors are).
func (h *LifecycleHandler) download(c *gin.Context) {
	f, _, info, err := h.svc.Download(c.Request.Context(), c.Param("token"))
	if err != nil {
		Fail(c, err)
		return
	}
	defer f.Close()
	hdr := c.Writer.Header()
	hdr.Set("Cache-Control", "private, no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Disposition", `attachment; filename="lingo-export.zip"`)
	c.DataFromReader(http.StatusOK, info.Size, "application/zip", f, nil)
}

// ExportEncoder writes an export's parts with the API's DTOs, so a file of
// the export reads as the matching API answer's data.
type ExportEncoder struct{ baseURL string }

var _ lifecycle.Encoder = ExportEncoder{}

// NewExportEncoder makes the encoder.
func NewExportEncoder(opts Options) ExportEncoder { return ExportEncoder{baseURL: opts.PublicBaseURL} }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (e ExportEncoder) Account(w io.Writer, u account.User) error {
	return writeJSON(w, NewUserDTO(u, e.baseURL))
}

func (e ExportEncoder) Preferences(w io.Writer, p preferences.Preferences) error {
	return writeJSON(w, NewPreferencesDTO(p))
}

func (e ExportEncoder) Progress(w io.Writer, p analytics.ProgressSummary) error {
	return writeJSON(w, progressDTO(p))
}

func (e ExportEncoder) Stats(w io.Writer, s analytics.UserStats) error {
	return writeJSON(w, statsDTO(s))
}

func (e ExportEncoder) Achievements(w io.Writer, a []progress.Unlock) error {
	out := make([]unlockDTO, 0, len(a))
	for _, x := range a {
		out = append(out, unlockDTO{Code: x.Achievement.String(), UnlockedAt: FormatTime(x.UnlockedAt)})
	}
	return writeJSON(w, out)
}

// Event writes one line of events.jsonl: the API's Event, whose voided_at
// is null unless the event was voided.
func (e ExportEncoder) Event(w io.Writer, ev ports.ExportedEvent) error {
	// Encode ends the value with a newline: one event a line.
	return json.NewEncoder(w).Encode(eventDTO(ev.Event))
}
