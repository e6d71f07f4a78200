package fakes

import (
	"context"
	"sort"
	"sync"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.CatalogRepository = (*Catalog)(nil)

// Catalog is a CatalogRepository in a map, with the unique slugs of the
// real stores.
type Catalog struct {
	mu      sync.Mutex
	courses []catalog.Course
	lessons map[string][]catalog.Lesson // by course id
}

func NewCatalog() *Catalog { return &Catalog{lessons: map[string][]catalog.Lesson{}} }

func (r *Catalog) entry(c catalog.Course) ports.CourseEntry {
	ls := r.lessons[c.ID()]
	return ports.CourseEntry{Course: c, LessonCount: len(ls), TotalXP: catalog.TotalXP(ls)}
}

func (r *Catalog) ListCourses(context.Context) ([]ports.CourseEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ports.CourseEntry, 0, len(r.courses))
	for _, c := range r.courses {
		out = append(out, r.entry(c))
	}
	return out, nil
}

func (r *Catalog) find(id string) (int, bool) {
	for i, c := range r.courses {
		if c.ID() == id {
			return i, true
		}
	}
	return 0, false
}

func (r *Catalog) GetCourse(_ context.Context, id string) (ports.CourseEntry, []catalog.Lesson, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.find(id)
	if !ok {
		return ports.CourseEntry{}, nil, errs.E(errs.NotFound, errs.CodeNotFound, "no course")
	}
	return r.entry(r.courses[i]), append([]catalog.Lesson(nil), r.lessons[id]...), nil
}

func (r *Catalog) GetLesson(_ context.Context, id string) (catalog.Lesson, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ls := range r.lessons {
		for _, l := range ls {
			if l.ID() == id {
				return l, nil
			}
		}
	}
	return catalog.Lesson{}, errs.E(errs.NotFound, errs.CodeNotFound, "no lesson")
}

func (r *Catalog) CreateCourse(_ context.Context, c catalog.Course) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.courses {
		if o.Slug() == c.Slug() {
			return errs.E(errs.Conflict, errs.CodeSlugTaken, "slug taken")
		}
	}
	r.courses = append(r.courses, c)
	return nil
}

func (r *Catalog) UpdateCourse(_ context.Context, id string, fn func(catalog.Course) (catalog.Course, error)) (catalog.Course, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.find(id)
	if !ok {
		return catalog.Course{}, errs.E(errs.NotFound, errs.CodeNotFound, "no course")
	}
	next, err := fn(r.courses[i])
	if err != nil {
		return catalog.Course{}, err
	}
	r.courses[i] = next
	return next, nil
}

func (r *Catalog) AddLesson(_ context.Context, courseID string, fn func(nextPosition int) (catalog.Lesson, error)) (catalog.Lesson, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.find(courseID); !ok {
		return catalog.Lesson{}, errs.E(errs.NotFound, errs.CodeNotFound, "no course")
	}
	l, err := fn(len(r.lessons[courseID]) + 1)
	if err != nil {
		return catalog.Lesson{}, err
	}
	r.lessons[courseID] = append(r.lessons[courseID], l)
	sort.SliceStable(r.lessons[courseID], func(a, b int) bool {
		return r.lessons[courseID][a].Position() < r.lessons[courseID][b].Position()
	})
	return l, nil
}

func (r *Catalog) UpdateLesson(_ context.Context, id string, fn func(catalog.Lesson) (catalog.Lesson, error)) (catalog.Lesson, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for cid, ls := range r.lessons {
		for i, l := range ls {
			if l.ID() != id {
				continue
			}
			next, err := fn(l)
			if err != nil {
				return catalog.Lesson{}, err
			}
			r.lessons[cid][i] = next
			return next, nil
		}
	}
	return catalog.Lesson{}, errs.E(errs.NotFound, errs.CodeNotFound, "no lesson")
}

func (r *Catalog) CountCourses(context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.courses), nil
}
