package sqlstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

func (s *ProgressStore) Snapshot(ctx context.Context, userID string, today calendar.Date) (ports.LearnerSnapshot, error) {
	var snap ports.LearnerSnapshot
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		var rows []struct {
			TotalXP            int
			PracticeSessions   int
			ExercisesAttempted int
			ExercisesCorrect   int
			TimeSpentSeconds   int
			Sessions           int
		}
		if err := tx.Raw(`SELECT total_xp, practice_sessions, exercises_attempted, exercises_correct, time_spent_seconds, sessions
			FROM learner_progress WHERE user_id = ?`, userID).Scan(&rows).Error; err != nil {
			return Classify(err)
		}
		if len(rows) == 1 {
			r := rows[0]
			snap.TotalXP = r.TotalXP
			snap.Counters = ports.Counters{PracticeSessions: r.PracticeSessions, ExercisesAttempted: r.ExercisesAttempted,
				ExercisesCorrect: r.ExercisesCorrect, TimeSpentSeconds: r.TimeSpentSeconds, Sessions: r.Sessions}
		}
		var err error
		if snap.Streak, err = readStreak(tx, userID, today); err != nil {
			return err
		}
		if snap.Today, err = loadDay(tx, userID, today); err != nil {
			return err
		}
		if snap.Achievements, err = achievements(tx, userID); err != nil {
			return err
		}
		if err := tx.Raw(`SELECT COUNT(*) FROM completed_lessons WHERE user_id = ?`, userID).Row().Scan(&snap.LessonsCompleted); err != nil {
			return Classify(err)
		}
		if err := tx.Raw(`SELECT COUNT(*) FROM completed_courses WHERE user_id = ?`, userID).Row().Scan(&snap.CoursesCompleted); err != nil {
			return Classify(err)
		}
		cr, err := tx.Raw(`SELECT c.id, c.title, COUNT(cl.lesson_id),
				(SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id)
			FROM completed_lessons cl JOIN courses c ON c.id = cl.course_id
			WHERE cl.user_id = ? GROUP BY c.id, c.title ORDER BY c.title, c.id`, userID).Rows()
		if err != nil {
			return Classify(err)
		}
		defer cr.Close()
		snap.Courses = []ports.CourseProgress{}
		for cr.Next() {
			var (
				p  ports.CourseProgress
				id nullString
			)
			if err := cr.Scan(&id, &p.Title, &p.LessonsCompleted, &p.LessonsTotal); err != nil {
				return Classify(err)
			}
			p.CourseID = *id.p
			snap.Courses = append(snap.Courses, p)
		}
		return Classify(cr.Err())
	})
	return snap, err
}

func (s *ProgressStore) Days(ctx context.Context, userID string, from, to calendar.Date) ([]progress.Day, error) {
	rows, err := s.db.Gorm(ctx).Raw(`SELECT `+dayColumns+` FROM learner_days WHERE user_id = ? AND local_date >= ? AND local_date <= ?
		ORDER BY local_date`, userID, from.String(), to.String()).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []progress.Day
	for rows.Next() {
		d, err := scanDay(rows)
		if err != nil {
			return nil, Classify(err)
		}
		out = append(out, d)
	}
	return out, Classify(rows.Err())
}

func (s *ProgressStore) Global(ctx context.Context, userID string) (ports.GlobalStats, error) {
	var g ports.GlobalStats
	db := s.db.Gorm(ctx)
	var mine []int
	if err := db.Raw(`SELECT total_xp FROM learner_progress WHERE user_id = ?`, userID).Scan(&mine).Error; err != nil {
		return g, Classify(err)
	}
	xp := 0
	if len(mine) == 1 {
		xp = mine[0]
	}
	// "Learners" are active learner accounts, with or without events.
	err := db.Raw(`SELECT COUNT(*), COALESCE(SUM(COALESCE(p.total_xp, 0)), 0),
			COALESCE(SUM(CASE WHEN COALESCE(p.total_xp, 0) < ? THEN 1 ELSE 0 END), 0)
		FROM users u LEFT JOIN learner_progress p ON p.user_id = u.id
		WHERE u.role = 'learner' AND u.is_active = ?`, xp, true).Row().Scan(&g.Learners, &g.SumXP, &g.Below)
	return g, Classify(err)
}
