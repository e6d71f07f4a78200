package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// Catalog is the store as ports.CatalogRepository.
type Catalog struct{ s *Store }

// NewCatalog gives the store as the catalog repository.
func NewCatalog(s *Store) Catalog { return Catalog{s} }

func noSuchCourse() error { return notFound("The course was not found.") }
func noSuchLesson() error { return notFound("The lesson was not found.") }

func courseSlugTaken() error {
	return errs.E(errs.Conflict, errs.CodeSlugTaken, "A course with this slug already exists.")
}

func lessonSlugTaken() error {
	return errs.E(errs.Conflict, errs.CodeSlugTaken, "A lesson with this slug already exists in the course.")
}

// courseLessons are the course's lessons in position order, ties by id. The
// caller holds s.mu.
func (s *Store) courseLessons(courseID string) []catalog.Lesson {
	out := []catalog.Lesson{}
	for _, l := range s.lessons {
		if l.CourseID() == courseID {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b catalog.Lesson) int {
		return cmp.Or(cmp.Compare(a.Position(), b.Position()), strings.Compare(a.ID(), b.ID()))
	})
	return out
}

// entry is the course with its aggregates. The caller holds s.mu.
func (s *Store) entry(c catalog.Course) ports.CourseEntry {
	lessons := s.courseLessons(c.ID())
	return ports.CourseEntry{Course: c, LessonCount: len(lessons), TotalXP: catalog.TotalXP(lessons)}
}

func (r Catalog) ListCourses(context.Context) ([]ports.CourseEntry, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	out := []ports.CourseEntry{}
	for _, c := range r.s.courses {
		out = append(out, r.s.entry(c))
	}
	slices.SortFunc(out, func(a, b ports.CourseEntry) int {
		return cmp.Or(strings.Compare(a.Course.Title(), b.Course.Title()), strings.Compare(a.Course.ID(), b.Course.ID()))
	})
	return out, nil
}

func (r Catalog) GetCourse(_ context.Context, id string) (ports.CourseEntry, []catalog.Lesson, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	c, ok := r.s.courses[id]
	if !ok {
		return ports.CourseEntry{}, nil, noSuchCourse()
	}
	return r.s.entry(c), r.s.courseLessons(id), nil
}

func (r Catalog) GetLesson(_ context.Context, id string) (catalog.Lesson, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	l, ok := r.s.lessons[id]
	if !ok {
		return catalog.Lesson{}, noSuchLesson()
	}
	return l, nil
}

// courseSlugFree reports whether no course but id has the slug. The caller
// holds s.mu.
func (s *Store) courseSlugFree(slug, id string) bool {
	for _, c := range s.courses {
		if c.Slug() == slug && c.ID() != id {
			return false
		}
	}
	return true
}

// lessonSlugFree reports whether no lesson of the course but id has the
// slug. The caller holds s.mu.
func (s *Store) lessonSlugFree(courseID, slug, id string) bool {
	for _, l := range s.lessons {
		if l.CourseID() == courseID && l.Slug() == slug && l.ID() != id {
			return false
		}
	}
	return true
}

func (r Catalog) CreateCourse(_ context.Context, c catalog.Course) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if !r.s.courseSlugFree(c.Slug(), c.ID()) {
		return courseSlugTaken()
	}
	if _, ok := r.s.courses[c.ID()]; ok {
		return errs.E(errs.Conflict, errs.CodeConflict, "A course with this id exists.")
	}
	r.s.courses[c.ID()] = c
	return nil
}

func (r Catalog) UpdateCourse(ctx context.Context, id string, fn func(catalog.Course) (catalog.Course, error)) (catalog.Course, error) {
	unlock, err := r.s.rows.lock(ctx, "course:"+id)
	if err != nil {
		return catalog.Course{}, err
	}
	defer unlock()
	e, _, err := r.GetCourse(ctx, id)
	if err != nil {
		return catalog.Course{}, err
	}
	next, err := fn(e.Course)
	if err != nil {
		return catalog.Course{}, err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if !r.s.courseSlugFree(next.Slug(), id) {
		return catalog.Course{}, courseSlugTaken()
	}
	r.s.courses[id] = next
	return next, nil
}

// AddLesson holds the course's lock, so two lessons added at once never get
// the same next position.
func (r Catalog) AddLesson(ctx context.Context, courseID string, fn func(int) (catalog.Lesson, error)) (catalog.Lesson, error) {
	unlock, err := r.s.rows.lock(ctx, "course:"+courseID)
	if err != nil {
		return catalog.Lesson{}, err
	}
	defer unlock()
	_, lessons, err := r.GetCourse(ctx, courseID)
	if err != nil {
		return catalog.Lesson{}, err
	}
	last := 0
	for _, l := range lessons {
		last = max(last, l.Position())
	}
	l, err := fn(last + 1)
	if err != nil {
		return catalog.Lesson{}, err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if !r.s.lessonSlugFree(courseID, l.Slug(), l.ID()) {
		return catalog.Lesson{}, lessonSlugTaken()
	}
	if _, ok := r.s.lessons[l.ID()]; ok {
		return catalog.Lesson{}, errs.E(errs.Conflict, errs.CodeConflict, "A lesson with this id exists.")
	}
	r.s.lessons[l.ID()] = l
	return l, nil
}

func (r Catalog) UpdateLesson(ctx context.Context, id string, fn func(catalog.Lesson) (catalog.Lesson, error)) (catalog.Lesson, error) {
	unlock, err := r.s.rows.lock(ctx, "lesson:"+id)
	if err != nil {
		return catalog.Lesson{}, err
	}
	defer unlock()
	l, err := r.GetLesson(ctx, id)
	if err != nil {
		return catalog.Lesson{}, err
	}
	next, err := fn(l)
	if err != nil {
		return catalog.Lesson{}, err
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if !r.s.lessonSlugFree(next.CourseID(), next.Slug(), id) {
		return catalog.Lesson{}, lessonSlugTaken()
	}
	r.s.lessons[id] = next
	return next, nil
}

func (r Catalog) CountCourses(context.Context) (int, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	return len(r.s.courses), nil
}
