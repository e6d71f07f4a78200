package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// CatalogRepository keeps courses and lessons in the tables of migration 00001.
type CatalogRepository struct{ db *DB }

var _ ports.CatalogRepository = (*CatalogRepository)(nil)

// NewCatalogRepository makes the catalog repository.
func NewCatalogRepository(db *DB) *CatalogRepository { return &CatalogRepository{db: db} }

// errNoRows is what a single-row query gives when nothing matched.
var errNoRows = sql.ErrNoRows

const courseColumns = `c.id, c.slug, c.title, c.language, c.level, c.description,
	(SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id),
	(SELECT COALESCE(SUM(l.xp_reward), 0) FROM lessons l WHERE l.course_id = c.id)`

func scanCourse(sc interface{ Scan(...any) error }) (ports.CourseEntry, error) {
	var (
		r        catalog.CourseRecord
		id       nullString
		n, total int
	)
	if err := sc.Scan(&id, &r.Slug, &r.Title, &r.Language, &r.Level, &r.Description, &n, &total); err != nil {
		return ports.CourseEntry{}, err
	}
	r.ID = *id.p
	c, err := catalog.RestoreCourse(r)
	if err != nil {
		return ports.CourseEntry{}, err
	}
	return ports.CourseEntry{Course: c, LessonCount: n, TotalXP: total}, nil
}

const lessonColumns = `id, course_id, slug, title, position, xp_reward`

func scanLesson(sc interface{ Scan(...any) error }) (catalog.Lesson, error) {
	var (
		r            catalog.LessonRecord
		id, courseID nullString
	)
	if err := sc.Scan(&id, &courseID, &r.Slug, &r.Title, &r.Position, &r.XPReward); err != nil {
		return catalog.Lesson{}, err
	}
	r.ID, r.CourseID = *id.p, *courseID.p
	return catalog.RestoreLesson(r)
}

func (r *CatalogRepository) ListCourses(ctx context.Context) ([]ports.CourseEntry, error) {
	rows, err := r.db.Gorm(ctx).Raw(`SELECT ` + courseColumns + ` FROM courses c ORDER BY c.title, c.id`).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	out := []ports.CourseEntry{}
	for rows.Next() {
		e, err := scanCourse(rows)
		if err != nil {
			return nil, Classify(err)
		}
		out = append(out, e)
	}
	return out, Classify(rows.Err())
}

func (r *CatalogRepository) GetCourse(ctx context.Context, id string) (ports.CourseEntry, []catalog.Lesson, error) {
	var (
		entry   ports.CourseEntry
		lessons []catalog.Lesson
	)
	err := r.db.Transaction(ctx, func(tx *gorm.DB) error {
		var err error
		if entry, err = getCourse(tx, id); err != nil {
			return err
		}
		lessons, err = courseLessons(tx, id)
		return err
	})
	return entry, lessons, err
}

func getCourse(tx *gorm.DB, id string) (ports.CourseEntry, error) {
	row := tx.Raw(`SELECT `+courseColumns+` FROM courses c WHERE c.id = ?`, id).Row()
	e, err := scanCourse(row)
	if errors.Is(err, errNoRows) {
		return e, errs.E(errs.NotFound, errs.CodeNotFound, "The course was not found.")
	}
	return e, Classify(err)
}

func courseLessons(tx *gorm.DB, courseID string) ([]catalog.Lesson, error) {
	rows, err := tx.Raw(`SELECT `+lessonColumns+` FROM lessons WHERE course_id = ? ORDER BY position, id`, courseID).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	out := []catalog.Lesson{}
	for rows.Next() {
		l, err := scanLesson(rows)
		if err != nil {
			return nil, Classify(err)
		}
		out = append(out, l)
	}
	return out, Classify(rows.Err())
}

func (r *CatalogRepository) GetLesson(ctx context.Context, id string) (catalog.Lesson, error) {
	return getLesson(r.db.Gorm(ctx), id)
}

func getLesson(tx *gorm.DB, id string) (catalog.Lesson, error) {
	l, err := scanLesson(tx.Raw(`SELECT `+lessonColumns+` FROM lessons WHERE id = ?`, id).Row())
	if errors.Is(err, errNoRows) {
		return l, errs.E(errs.NotFound, errs.CodeNotFound, "The lesson was not found.")
	}
	return l, Classify(err)
}

func slugTaken(err error) error {
	if err != nil && IsUniqueViolation(err) {
		return errs.Wrap(errs.Conflict, errs.CodeSlugTaken, err)
	}
	return Classify(err)
}

func (r *CatalogRepository) CreateCourse(ctx context.Context, c catalog.Course) error {
	now := r.db.at(time.Now())
	rec := c.Record()
	err := r.db.Gorm(ctx).Exec(`INSERT INTO courses (id, slug, title, language, level, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rec.ID, rec.Slug, rec.Title, rec.Language, rec.Level, rec.Description, now, now).Error
	if e := slugTaken(err); e != nil {
		return withMessage(e, "A course with this slug already exists.")
	}
	return nil
}

// withMessage gives a conflict a user-facing message.
func withMessage(err error, msg string) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.Conflict && e.Message == "" {
		out := *e
		out.Message = msg
		return &out
	}
	return err
}

func (r *CatalogRepository) UpdateCourse(ctx context.Context, id string, fn func(catalog.Course) (catalog.Course, error)) (catalog.Course, error) {
	var out catalog.Course
	err := r.db.Transaction(ctx, func(tx *gorm.DB) error {
		entry, err := getCourse(tx, id)
		if err != nil {
			return err
		}
		next, err := fn(entry.Course)
		if err != nil {
			return err
		}
		rec := next.Record()
		err = tx.Exec(`UPDATE courses SET slug = ?, title = ?, language = ?, level = ?, description = ?, updated_at = ? WHERE id = ?`,
			rec.Slug, rec.Title, rec.Language, rec.Level, rec.Description, r.db.at(time.Now()), id).Error
		if e := slugTaken(err); e != nil {
			return withMessage(e, "A course with this slug already exists.")
		}
		out = next
		return nil
	})
	return out, err
}

func (r *CatalogRepository) AddLesson(ctx context.Context, courseID string, fn func(int) (catalog.Lesson, error)) (catalog.Lesson, error) {
	var out catalog.Lesson
	err := r.db.Transaction(ctx, func(tx *gorm.DB) error {
		// Locking the course row serialises concurrent additions, so two
		// lessons sent without a position never get the same one.
		q := `SELECT id FROM courses WHERE id = ?`
		if r.db.dialect == Postgres {
			q += ` FOR UPDATE`
		}
		var found []string
		if err := tx.Raw(q, courseID).Scan(&found).Error; err != nil {
			return Classify(err)
		}
		if len(found) == 0 {
			return errs.E(errs.NotFound, errs.CodeNotFound, "The course was not found.")
		}
		var last int
		if err := tx.Raw(`SELECT COALESCE(MAX(position), 0) FROM lessons WHERE course_id = ?`, courseID).Row().Scan(&last); err != nil {
			return Classify(err)
		}
		l, err := fn(last + 1)
		if err != nil {
			return err
		}
		rec, now := l.Record(), r.db.at(time.Now())
		err = tx.Exec(`INSERT INTO lessons (id, course_id, slug, title, position, xp_reward, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rec.ID, rec.CourseID, rec.Slug, rec.Title, rec.Position, rec.XPReward, now, now).Error
		if e := slugTaken(err); e != nil {
			return withMessage(e, "A lesson with this slug already exists in the course.")
		}
		out = l
		return nil
	})
	return out, err
}

func (r *CatalogRepository) UpdateLesson(ctx context.Context, id string, fn func(catalog.Lesson) (catalog.Lesson, error)) (catalog.Lesson, error) {
	var out catalog.Lesson
	err := r.db.Transaction(ctx, func(tx *gorm.DB) error {
		l, err := getLesson(tx, id)
		if err != nil {
			return err
		}
		next, err := fn(l)
		if err != nil {
			return err
		}
		rec := next.Record()
		err = tx.Exec(`UPDATE lessons SET slug = ?, title = ?, position = ?, xp_reward = ?, updated_at = ? WHERE id = ?`,
			rec.Slug, rec.Title, rec.Position, rec.XPReward, r.db.at(time.Now()), id).Error
		if e := slugTaken(err); e != nil {
			return withMessage(e, "A lesson with this slug already exists in the course.")
		}
		out = next
		return nil
	})
	return out, err
}

func (r *CatalogRepository) CountCourses(ctx context.Context) (int, error) {
	var n int
	err := r.db.Gorm(ctx).Raw(`SELECT COUNT(*) FROM courses`).Row().Scan(&n)
	if err != nil {
		return 0, Classify(fmt.Errorf("count courses: %w", err))
	}
	return n, nil
}
