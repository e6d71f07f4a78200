package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
)

// StreakHandler serves streak protection and the activity calendar: the
// learner's calendar, and the admin grants of freezes and repairs of
// missed dates.
type StreakHandler struct {
	svc  *analytics.Service
	gate Gate
}

// NewStreakHandler makes the streak routes.
func NewStreakHandler(svc *analytics.Service, gate Gate) *StreakHandler {
	return &StreakHandler{svc: svc, gate: gate}
}

func (h *StreakHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/analytics/calendar", ClassAnalytics, SignedIn, h.calendar},
		{http.MethodPost, "/admin/users/:id/streak-freezes", ClassAuth, AdminOnly, h.grant},
		{http.MethodPost, "/admin/users/:id/streak-repair", ClassAuth, AdminOnly, h.repair},
	}
}

// CalendarDayDTO is one row of the calendar.
type CalendarDayDTO struct {
	Date             string `json:"date"`
	Status           string `json:"status"`
	XP               int    `json:"xp"`
	LessonsCompleted int    `json:"lessons_completed"`
	GoalMet          bool   `json:"goal_met"`
}

type calendarDTO struct {
	Days []CalendarDayDTO `json:"days"`
}

func calendarOf(days []analytics.CalendarDay) calendarDTO {
	out := calendarDTO{Days: make([]CalendarDayDTO, 0, len(days))}
	for _, d := range days {
		out.Days = append(out.Days, CalendarDayDTO{Date: d.Date.String(), Status: d.Status.String(), XP: d.XP,
			LessonsCompleted: d.LessonsCompleted, GoalMet: d.GoalMet})
	}
	return out
}

func (h *StreakHandler) calendar(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	var problems queryProblems
	date := func(name string) calendar.Date {
		v, ok := c.GetQuery(name)
		if !ok {
			return calendar.Date{}
		}
		d, err := calendar.ParseDate(v)
		if err != nil {
			problems.add(name, "must be a date (YYYY-MM-DD)")
		}
		return d
	}
	from, to := date("from"), date("to")
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	days, err := h.svc.Calendar(c.Request.Context(), userID, from, to)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, calendarOf(days), "Calendar retrieved")
}

// adminTarget is the user id of an admin streak route; one that is not a
// UUID names no user.
func adminTarget(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		Fail(c, errs.E(errs.NotFound, errs.CodeNotFound, "No such user."))
		return "", false
	}
	return id, true
}

type grantBody struct {
	Count *int `json:"count" validate:"required"`
}

type freezeInventoryDTO struct {
	Equipped int `json:"equipped"`
	Max      int `json:"max"`
}

func (h *StreakHandler) grant(c *gin.Context) {
	id, ok := adminTarget(c)
	if !ok {
		return
	}
	var b grantBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	inv, err := h.svc.GrantFreezes(c.Request.Context(), id, *b.Count)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, freezeInventoryDTO{Equipped: inv.Equipped, Max: inv.Max}, "Streak freezes granted")
}

type repairBody struct {
	Dates []string `json:"dates" validate:"required"`
}

func (h *StreakHandler) repair(c *gin.Context) {
	id, ok := adminTarget(c)
	if !ok {
		return
	}
	var b repairBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	var problems []errs.FieldError
	if len(b.Dates) < 1 || len(b.Dates) > analytics.MaxRepairDates {
		problems = append(problems, errs.Field("dates", "must hold 1 to 31 dates"))
	}
	dates := make([]calendar.Date, 0, len(b.Dates))
	for i, s := range b.Dates {
		d, err := calendar.ParseDate(s)
		if err != nil {
			problems = append(problems, errs.Field(fmt.Sprintf("dates[%d]", i), "must be a date (YYYY-MM-DD)"))
			continue
		}
		dates = append(dates, d)
	}
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	days, err := h.svc.RepairStreak(c.Request.Context(), id, dates)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, calendarOf(days), "Streak repaired")
}
