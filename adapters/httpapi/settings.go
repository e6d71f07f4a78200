package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/adapters/httpapi/prefsjson"
	"github.com/lingo-labs/lingo/application/avatars"
	apppreferences "github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
)

// PreferencesDTO is the OpenAPI document's Preferences.
type PreferencesDTO struct {
	Timezone      string                    `json:"timezone"`
	Learning      LearningPreferencesDTO    `json:"learning"`
	Notifications NotificationPreferenceDTO `json:"notifications"`
	Interface     InterfacePreferencesDTO   `json:"interface"`
	Social        SocialPreferencesDTO      `json:"social"`
	CreatedAt     string                    `json:"created_at"`
	UpdatedAt     string                    `json:"updated_at"`
}

// LearningPreferencesDTO is the learning section; target_language is null
// until the learner picks one.
type LearningPreferencesDTO struct {
	TargetLanguage  *string `json:"target_language"`
	NativeLanguage  string  `json:"native_language"`
	DifficultyLevel string  `json:"difficulty_level"`
	DailyXPGoal     int     `json:"daily_xp_goal"`
}

// NotificationPreferenceDTO is the notifications section.
type NotificationPreferenceDTO struct {
	EmailEnabled  bool   `json:"email_enabled"`
	PushEnabled   bool   `json:"push_enabled"`
	DailyReminder bool   `json:"daily_reminder"`
	ReminderTime  string `json:"reminder_time"`
	StreakAlerts  bool   `json:"streak_alerts"`
	WeeklySummary bool   `json:"weekly_summary"`
}

// InterfacePreferencesDTO is the interface section.
type InterfacePreferencesDTO struct {
	Theme        string `json:"theme"`
	UILanguage   string `json:"ui_language"`
	SoundEffects bool   `json:"sound_effects"`
	Animations   bool   `json:"animations"`
}

// SocialPreferencesDTO is the social section: leaderboards is whether the
// learner takes part in the weekly leagues.
type SocialPreferencesDTO struct {
	Leaderboards bool `json:"leaderboards"`
}

// NewPreferencesDTO maps preferences to their JSON shape.
func NewPreferencesDTO(p preferences.Preferences) PreferencesDTO {
	s := p.Snapshot()
	var target *string
	if s.TargetLanguage != "" {
		target = &s.TargetLanguage
	}
	return PreferencesDTO{
		Timezone: s.Timezone,
		Learning: LearningPreferencesDTO{TargetLanguage: target, NativeLanguage: s.NativeLanguage,
			DifficultyLevel: s.DifficultyLevel, DailyXPGoal: s.DailyXPGoal},
		Notifications: NotificationPreferenceDTO{EmailEnabled: s.EmailEnabled, PushEnabled: s.PushEnabled,
			DailyReminder: s.DailyReminder, ReminderTime: s.ReminderTime, StreakAlerts: s.StreakAlerts,
			WeeklySummary: s.WeeklySummary},
		Interface: InterfacePreferencesDTO{Theme: s.Theme, UILanguage: s.UILanguage,
			SoundEffects: s.SoundEffects, Animations: s.Animations},
		Social:    SocialPreferencesDTO{Leaderboards: s.Leaderboards},
		CreatedAt: FormatTime(s.CreatedAt), UpdatedAt: FormatTime(s.UpdatedAt),
	}
}

type preferencesUpdateDTO struct {
	Preferences   PreferencesDTO `json:"preferences"`
	UpdatedFields []string       `json:"updated_fields"`
}

// PreferencesHandler serves the preferences routes of the OpenAPI document.
type PreferencesHandler struct {
	svc *apppreferences.Service
}

// NewPreferencesHandler makes the /api/users/me/preferences routes.
func NewPreferencesHandler(svc *apppreferences.Service) *PreferencesHandler {
	return &PreferencesHandler{svc: svc}
}

// Routes lists PUT and PATCH as one operation: both take any subset (the
// OpenAPI document).
func (h *PreferencesHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/users/me/preferences", ClassUser, SignedIn, h.get},
		{http.MethodPut, "/users/me/preferences", ClassUser, SignedIn, h.update},
		{http.MethodPatch, "/users/me/preferences", ClassUser, SignedIn, h.update},
	}
}

func (h *PreferencesHandler) get(c *gin.Context) {
	me, _ := CurrentUser(c)
	p, err := h.svc.Get(c.Request.Context(), me.ID())
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, NewPreferencesDTO(p), "Preferences")
}

func (h *PreferencesHandler) update(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	patch, err := prefsjson.Decode(body)
	if err != nil {
		Fail(c, err)
		return
	}
	me, _ := CurrentUser(c)
	p, changed, err := h.svc.Update(c.Request.Context(), me.ID(), patch)
	if err != nil {
		Fail(c, err)
		return
	}
	msg := "Preferences updated"
	if len(changed) == 0 {
		msg = "Preferences unchanged"
	}
	OK(c, http.StatusOK, preferencesUpdateDTO{Preferences: NewPreferencesDTO(p), UpdatedFields: changed}, msg)
}

// MultipartOverhead is what an avatar upload's body may hold beyond the file
// itself: boundaries, part headers and small extra fields. A declared
// Content-Length over the file limit plus this is refused before reading.
const MultipartOverhead = 64 << 10

// AvatarCacheControl is how long clients and proxies may keep an avatar: a
// key's content never changes (a new avatar gets a new key).
const AvatarCacheControl = "public, max-age=31536000, immutable"

var (
	errNotMultipart = errs.E(errs.UnsupportedMedia, errs.CodeUnsupportedMediaType,
		`Upload the image as multipart/form-data in the field "avatar".`)
	errMissingAvatar  = errs.Validation(errs.FieldCode("avatar", errs.CodeRequired, `is required: send the image in the field "avatar"`))
	errUploadTooLarge = errs.E(errs.TooLarge, errs.CodePayloadTooLarge, "The image must be at most 5 MiB.")
)

type avatarDTO struct {
	AvatarURL   string `json:"avatar_url"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	SizeBytes   int64  `json:"size_bytes"`
	UploadedAt  string `json:"uploaded_at"`
}

// AvatarsHandler serves the avatar routes of the OpenAPI document.
type AvatarsHandler struct {
	svc     *avatars.Service
	baseURL string
}

// NewAvatarsHandler makes the avatar upload, removal and file routes.
func NewAvatarsHandler(svc *avatars.Service, opts Options) *AvatarsHandler {
	return &AvatarsHandler{svc: svc, baseURL: opts.PublicBaseURL}
}

// Routes serves an avatar file with no auth: the key is unguessable and
// avatars are shown to other learners.
func (h *AvatarsHandler) Routes() []Route {
	return []Route{
		{http.MethodPost, "/users/me/avatar", ClassUser, SignedIn, h.upload},
		{http.MethodDelete, "/users/me/avatar", ClassUser, SignedIn, h.remove},
		{http.MethodGet, "/avatars/:key", ClassGeneral, Public, h.serve},
	}
}

// upload streams the multipart body: the file part goes straight into the
// image processor, which reads at most the limit plus one byte, so an
// oversized upload is refused without the whole body being read.
func (h *AvatarsHandler) upload(c *gin.Context) {
	me, _ := CurrentUser(c)
	var a avatars.Avatar
	err := readAvatarUpload(c.Writer, c.Request, func(part io.Reader) error {
		var err error
		a, _, err = h.svc.Upload(c.Request.Context(), me.ID(), part)
		return err
	})
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, avatarDTO{
		AvatarURL: *AvatarURL(a.Key, h.baseURL), ContentType: a.ContentType, Width: a.Width, Height: a.Height,
		SizeBytes: a.SizeBytes, UploadedAt: FormatTime(a.UploadedAt),
	}, "Avatar uploaded")
}

// readAvatarUpload finds the "avatar" part of a multipart/form-data request
// and hands its reader to use, returning use's error. Everything before that
// part is read through a MaxBytesReader, so no field can make it read more
// than the file limit plus MultipartOverhead. Errors of its own:
// UnsupportedMedia when the request is not multipart, TooLarge, Invalid on
// "avatar" when there is no such part, BadRequest for a broken body.
func readAvatarUpload(w http.ResponseWriter, r *http.Request, use func(io.Reader) error) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errNotMultipart
	}
	limit := int64(avatars.MaxBytes + MultipartOverhead)
	if r.ContentLength > limit {
		return errUploadTooLarge
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errMissingAvatar
		}
		if err != nil {
			return multipartError(err)
		}
		if part.FormName() == "avatar" {
			return use(part)
		}
		// Other fields are ignored; MaxBytesReader bounds what this reads.
		if _, err := io.Copy(io.Discard, part); err != nil {
			return multipartError(err)
		}
	}
}

func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errUploadTooLarge
	}
	return &errs.Error{Kind: errs.BadRequest, Code: errs.CodeBadRequest, Message: "The multipart body could not be read.", Err: err}
}

func (h *AvatarsHandler) remove(c *gin.Context) {
	me, _ := CurrentUser(c)
	u, err := h.svc.Delete(c.Request.Context(), me.ID())
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, NewUserDTO(u, h.baseURL), "Avatar removed")
}

// serve answers the image bytes, not enveloped. The key is the strong ETag:
// the bytes under a key never change, so no hashing is needed per request.
func (h *AvatarsHandler) serve(c *gin.Context) {
	key := c.Param("key")
	f, info, err := h.svc.Open(c.Request.Context(), key)
	if err != nil {
		Fail(c, err)
		return
	}
	defer f.Close()
	etag := `"` + info.Key + `"`
	hdr := c.Writer.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", AvatarCacheControl)
	// The bytes are our own re-encoded image, but a browser must never be
	// talked into reading them as anything else.
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	c.DataFromReader(http.StatusOK, info.Size, info.ContentType, f, nil)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2):
// "*" or any listed tag equal to ours, with or without W/.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
