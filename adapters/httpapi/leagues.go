package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/leagues"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/league"
)

// LeaguesHandler serves the weekly leagues of the OpenAPI document's
// Leagues tag: the learner's current league and their past weeks.
type LeaguesHandler struct {
	svc     *leagues.Service
	gate    Gate
	baseURL string
}

// NewLeaguesHandler makes the /api/leagues routes.
func NewLeaguesHandler(svc *leagues.Service, gate Gate, opts Options) *LeaguesHandler {
	return &LeaguesHandler{svc: svc, gate: gate, baseURL: opts.PublicBaseURL}
}

func (h *LeaguesHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/leagues/current", ClassGeneral, SignedIn, h.current},
		{http.MethodGet, "/leagues/history", ClassGeneral, SignedIn, h.history},
	}
}

// LeagueWeekDTO is the OpenAPI document's LeagueWeek.
type LeagueWeekDTO struct {
	ID       string `json:"id"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
}

func newLeagueWeekDTO(w league.Week) LeagueWeekDTO {
	return LeagueWeekDTO{ID: w.ID(), StartsAt: w.ID(), EndsAt: w.End().UTC().Format("2006-01-02T15:04:05Z07:00")}
}

// LeagueStandingDTO is one row of the standings: only what other learners
// may see of a learner.
type LeagueStandingDTO struct {
	Rank        int     `json:"rank"`
	UserID      string  `json:"user_id"`
	DisplayName string  `json:"display_name"`
	AvatarURL   *string `json:"avatar_url"`
	XP          int     `json:"xp"`
}

// LeagueCurrentDTO is the OpenAPI document's LeagueCurrent.
type LeagueCurrentDTO struct {
	Week          LeagueWeekDTO       `json:"week"`
	Tier          string              `json:"tier"`
	Joined        bool                `json:"joined"`
	CohortID      *string             `json:"cohort_id"`
	Rank          *int                `json:"rank"`
	XP            int                 `json:"xp"`
	PromotionRank int                 `json:"promotion_rank"`
	DemotionRank  *int                `json:"demotion_rank"`
	Standings     []LeagueStandingDTO `json:"standings"`
}

func (h *LeaguesHandler) current(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	cur, err := h.svc.Current(c.Request.Context(), userID)
	if err != nil {
		Fail(c, err)
		return
	}
	dto := LeagueCurrentDTO{Week: newLeagueWeekDTO(cur.Week), Tier: cur.Tier.String(), Joined: cur.Joined, XP: cur.XP,
		PromotionRank: cur.PromotionRank, Standings: make([]LeagueStandingDTO, 0, len(cur.Standings))}
	if cur.Joined {
		dto.CohortID = &cur.CohortID
		dto.Rank = &cur.Rank
	}
	if cur.DemotionRank > 0 {
		dto.DemotionRank = &cur.DemotionRank
	}
	for _, s := range cur.Standings {
		dto.Standings = append(dto.Standings, LeagueStandingDTO{Rank: s.Rank, UserID: s.UserID, DisplayName: s.DisplayName,
			AvatarURL: AvatarURL(s.AvatarKey, h.baseURL), XP: s.XP})
	}
	OK(c, http.StatusOK, dto, "Current league")
}

// LeagueResultDTO is the OpenAPI document's LeagueResult: one past week.
type LeagueResultDTO struct {
	Week    LeagueWeekDTO `json:"week"`
	Tier    string        `json:"tier"`
	Rank    int           `json:"rank"`
	XP      int           `json:"xp"`
	Outcome string        `json:"outcome"`
	NewTier string        `json:"new_tier"`
}

type leagueHistoryDTO struct {
	Items      []LeagueResultDTO `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

func (h *LeaguesHandler) history(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	limit := 0
	if raw, given := c.GetQuery("limit"); given {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			Fail(c, errs.Validation(errs.Field("limit", "must be an integer")))
			return
		}
		limit = max(n, 1)
	}
	p, err := h.svc.History(c.Request.Context(), userID, c.Query("cursor"), limit)
	if err != nil {
		Fail(c, err)
		return
	}
	items := make([]LeagueResultDTO, 0, len(p.Results))
	for _, r := range p.Results {
		items = append(items, LeagueResultDTO{Week: newLeagueWeekDTO(r.Week), Tier: r.Tier.String(), Rank: r.Rank, XP: r.XP,
			Outcome: r.Outcome.String(), NewTier: r.NewTier.String()})
	}
	var next *string
	if p.NextCursor != "" {
		next = &p.NextCursor
	}
	OKWith(c, http.StatusOK, leagueHistoryDTO{Items: items, NextCursor: next}, "League history",
		map[string]any{"pagination": map[string]any{"limit": p.Limit, "has_more": next != nil, "next_cursor": next}})
}
