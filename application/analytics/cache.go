package analytics

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// TTLs of the cached progress reads. A learner's own writes bump the
// learner's namespace; a bump that fails leaves the namespace read around the
// cache until it is made good (the cache adapter's business), so ProgressTTL
// bounds staleness only on another instance that missed nothing itself. The global comparison also moves with every other learner's
// writes, which bump nothing of this learner's: GlobalTTL is how stale it
// may be, short enough that nobody notices.
const (
	ProgressTTL = 30 * time.Second
	GlobalTTL   = 5 * time.Second
)

// Namespace is the cache namespace of one learner's progress reads: every
// event write of the learner bumps it, and so must a change of the learner's
// time zone or daily goal.
func Namespace(userID string) string { return "progress:" + userID }

// Option configures the service.
type Option func(*Service)

// WithCache makes the progress reads go through cache; onBumpError is told
// when a write committed but its bump failed (the TTLs then bound how long
// old figures can be served). A nil onBumpError ignores such failures.
func WithCache(cache ports.Cache, onBumpError func(namespace string, err error)) Option {
	return func(s *Service) { s.cache, s.onBumpError = cache, onBumpError }
}

// bump invalidates the learner's cached reads after a write that may have
// committed. It runs detached from ctx's cancellation: the write is done,
// and a client that hung up must not leave old figures readable.
func (s *Service) bump(ctx context.Context, userID string) {
	if s.cache == nil {
		return
	}
	ns := Namespace(userID)
	if err := s.cache.Bump(context.WithoutCancel(ctx), ns); err != nil && s.onBumpError != nil {
		s.onBumpError(ns, err)
	}
}

// readThrough loads one of the learner's reads through the cache when there
// is one.
func readThrough[T any](ctx context.Context, s *Service, userID, name string, ttl time.Duration, codec ports.Codec[T],
	load func(context.Context) (T, error)) (T, error) {
	if s.cache == nil {
		return load(ctx)
	}
	return ports.ReadThrough(ctx, s.cache, Namespace(userID), name, ttl, codec, load)
}

// dateRecord is a date as the cache keeps it: "" for the zero date.
func dateRecord(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func restoreDate(s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate(s)
}

// unlockRecord is an unlocked achievement by its code, parsed back with
// progress.ParseAchievement so that a value from the cache is as checked as
// one from the store.
type unlockRecord struct {
	Code       string
	UnlockedAt time.Time
}

// summaryRecord is ProgressSummary without Global, which is cached apart
// under its own short TTL.
type summaryRecord struct {
	TotalXP           int
	Level             progress.Level
	CurrentStreak     int
	LongestStreak     int
	StreakActiveToday bool
	LastActiveDate    string
	DailyGoal         progress.GoalStatus
	Freezes           freezeRecord
	LessonsCompleted  int
	CoursesCompleted  int
	Courses           []CourseProgress
	Achievements      []unlockRecord
}

var summaryCodec = ports.Codec[ProgressSummary]{
	Encode: func(p ProgressSummary) ([]byte, error) {
		r := summaryRecord{
			TotalXP: p.TotalXP, Level: p.Level, CurrentStreak: p.CurrentStreak, LongestStreak: p.LongestStreak,
			StreakActiveToday: p.StreakActiveToday, LastActiveDate: dateRecord(p.LastActiveDate), DailyGoal: p.DailyGoal,
			Freezes: freezeRecord{Equipped: p.Freezes.Equipped, Max: p.Freezes.Max, UsedTotal: p.Freezes.UsedTotal,
				LastUsedOn: dateRecord(p.Freezes.LastUsedOn)},
			LessonsCompleted: p.LessonsCompleted, CoursesCompleted: p.CoursesCompleted, Courses: p.Courses,
		}
		for _, a := range p.Achievements {
			r.Achievements = append(r.Achievements, unlockRecord{Code: a.Achievement.String(), UnlockedAt: a.UnlockedAt})
		}
		return json.Marshal(r)
	},
	Decode: func(b []byte) (ProgressSummary, error) {
		var r summaryRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return ProgressSummary{}, err
		}
		last, err := restoreDate(r.LastActiveDate)
		if err != nil {
			return ProgressSummary{}, err
		}
		lastUsed, err := restoreDate(r.Freezes.LastUsedOn)
		if err != nil {
			return ProgressSummary{}, err
		}
		p := ProgressSummary{
			Summary: progress.Summary{TotalXP: r.TotalXP, Level: r.Level, CurrentStreak: r.CurrentStreak,
				LongestStreak: r.LongestStreak, StreakActiveToday: r.StreakActiveToday, LastActiveDate: last, DailyGoal: r.DailyGoal,
				Freezes: progress.FreezeStatus{Equipped: r.Freezes.Equipped, Max: r.Freezes.Max, UsedTotal: r.Freezes.UsedTotal,
					LastUsedOn: lastUsed}},
			LessonsCompleted: r.LessonsCompleted, CoursesCompleted: r.CoursesCompleted,
			Courses: r.Courses,
		}
		if p.Courses == nil {
			p.Courses = []CourseProgress{} // Progress never answers a nil list
		}
		for _, a := range r.Achievements {
			ach, err := progress.ParseAchievement(a.Code)
			if err != nil {
				return ProgressSummary{}, err
			}
			p.Achievements = append(p.Achievements, progress.Unlock{Achievement: ach, UnlockedAt: a.UnlockedAt})
		}
		return p, nil
	},
}

// dayRecord is a day of the history as the cache keeps it, restored through
// progress.RestoreDay.
type dayRecord struct {
	Date             string
	XP               int
	CreditedXP       int
	GoalXP           int
	GoalMet          bool
	Active           bool
	LessonsCompleted int
	TimeSpentSeconds int
}

type statsRecord struct {
	Totals           Totals
	Current, Longest int
	Last7Days        progress.DayTotals
	History          []dayRecord // nil when not asked for, as in UserStats
}

var statsCodec = ports.Codec[UserStats]{
	Encode: func(s UserStats) ([]byte, error) {
		r := statsRecord{Totals: s.Totals, Current: s.Current, Longest: s.Longest, Last7Days: s.Last7Days}
		if s.History != nil {
			r.History = make([]dayRecord, len(s.History))
			for i, d := range s.History {
				dr := d.Record()
				r.History[i] = dayRecord{Date: dateRecord(dr.Date), XP: dr.XP, CreditedXP: dr.CreditedXP, GoalXP: dr.GoalXP,
					GoalMet: dr.GoalMet, Active: dr.Active, LessonsCompleted: dr.LessonsCompleted, TimeSpentSeconds: dr.TimeSpentSeconds}
			}
		}
		return json.Marshal(r)
	},
	Decode: func(b []byte) (UserStats, error) {
		var r statsRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return UserStats{}, err
		}
		s := UserStats{Totals: r.Totals, Current: r.Current, Longest: r.Longest, Last7Days: r.Last7Days}
		if r.History != nil {
			s.History = make([]progress.Day, len(r.History))
			for i, dr := range r.History {
				date, err := calendar.ParseDate(dr.Date)
				if err != nil {
					return UserStats{}, err
				}
				d, err := progress.RestoreDay(progress.DayRecord{Date: date, XP: dr.XP, CreditedXP: dr.CreditedXP, GoalXP: dr.GoalXP,
					GoalMet: dr.GoalMet, Active: dr.Active, LessonsCompleted: dr.LessonsCompleted, TimeSpentSeconds: dr.TimeSpentSeconds})
				if err != nil {
					return UserStats{}, err
				}
				s.History[i] = d
			}
		}
		return s, nil
	},
}

// freezeRecord is streak_freezes as the cache keeps it.
type freezeRecord struct {
	Equipped, Max, UsedTotal int
	LastUsedOn               string
}
