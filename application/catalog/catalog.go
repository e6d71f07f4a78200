// Package catalog holds the catalog use cases: browsing courses and lessons,
// the admin's changes, and the demo catalog of the embedded default.
package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// Service is the catalog use cases.
type Service struct {
	repo ports.CatalogRepository
	ids  ports.IDGenerator
	// cache, when set, serves the reads; every write bumps Namespace after
	// it commits and before it answers.
	cache       ports.Cache
	onBumpError func(namespace string, err error)
}

// NewService makes the catalog service.
func NewService(repo ports.CatalogRepository, ids ports.IDGenerator, opts ...Option) *Service {
	s := &Service{repo: repo, ids: ids}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Courses lists every course with its lesson count and total XP.
func (s *Service) Courses(ctx context.Context) ([]ports.CourseEntry, error) {
	return readThrough(ctx, s, "courses", coursesCodec, s.repo.ListCourses)
}

func notFound(what string) error {
	return errs.E(errs.NotFound, errs.CodeNotFound, fmt.Sprintf("The %s was not found.", what))
}

// Course returns a course and its lessons in position order. An id that is
// not a UUID names no course: NotFound, as for an unknown one.
func (s *Service) Course(ctx context.Context, id string) (ports.CourseEntry, []catalog.Lesson, error) {
	if !learning.IsUUID(id) {
		return ports.CourseEntry{}, nil, notFound("course")
	}
	d, err := readThrough(ctx, s, "course:"+id, courseDetailCodec, func(ctx context.Context) (courseDetail, error) {
		e, lessons, err := s.repo.GetCourse(ctx, id)
		return courseDetail{entry: e, lessons: lessons}, err
	})
	if err != nil {
		return ports.CourseEntry{}, nil, err
	}
	return d.entry, d.lessons, nil
}

// CreateCourse validates and stores a new course (Conflict slug_taken).
func (s *Service) CreateCourse(ctx context.Context, in catalog.CourseInput) (ports.CourseEntry, error) {
	c, err := catalog.NewCourse(s.ids.NewID(), in)
	if err != nil {
		return ports.CourseEntry{}, err
	}
	if err := s.repo.CreateCourse(ctx, c); err != nil {
		return ports.CourseEntry{}, err
	}
	s.bump(ctx)
	return ports.CourseEntry{Course: c}, nil
}

// PatchCourse applies an admin's partial update; an invalid patch changes nothing.
func (s *Service) PatchCourse(ctx context.Context, id string, p catalog.CoursePatch) (ports.CourseEntry, error) {
	if !learning.IsUUID(id) {
		return ports.CourseEntry{}, notFound("course")
	}
	if _, err := s.repo.UpdateCourse(ctx, id, func(c catalog.Course) (catalog.Course, error) {
		next, _, err := c.Apply(p)
		return next, err
	}); err != nil {
		return ports.CourseEntry{}, err
	}
	s.bump(ctx)
	entry, _, err := s.repo.GetCourse(ctx, id)
	return entry, err
}

// AddLesson adds a lesson to a course, after its last one unless the admin
// gives a position.
func (s *Service) AddLesson(ctx context.Context, courseID string, in catalog.LessonInput) (catalog.Lesson, error) {
	if !learning.IsUUID(courseID) {
		return catalog.Lesson{}, notFound("course")
	}
	id := s.ids.NewID()
	l, err := s.repo.AddLesson(ctx, courseID, func(next int) (catalog.Lesson, error) {
		return catalog.NewLesson(id, courseID, in, next)
	})
	if err != nil {
		return catalog.Lesson{}, err
	}
	s.bump(ctx)
	return l, nil
}

// PatchLesson applies an admin's partial update of a lesson.
func (s *Service) PatchLesson(ctx context.Context, id string, p catalog.LessonPatch) (catalog.Lesson, error) {
	if !learning.IsUUID(id) {
		return catalog.Lesson{}, notFound("lesson")
	}
	l, err := s.repo.UpdateLesson(ctx, id, func(l catalog.Lesson) (catalog.Lesson, error) {
		next, _, err := l.Apply(p)
		return next, err
	})
	if err != nil {
		return catalog.Lesson{}, err
	}
	s.bump(ctx)
	return l, nil
}

// SeedDemo fills an empty catalog with the demo courses and reports how many
// courses it added. A catalog that holds any course is left alone, so
// running it on every start is safe; two instances starting at once on one
// empty database are decided by the unique slugs.
func (s *Service) SeedDemo(ctx context.Context) (added int, err error) {
	n, err := s.repo.CountCourses(ctx)
	if err != nil || n > 0 {
		return 0, err
	}
	// Another instance sharing the cache may have cached the empty catalog;
	// whatever this seeding committed, even when it stops half way, is
	// made visible.
	defer func() {
		if added > 0 {
			s.bump(ctx)
		}
	}()
	for _, dc := range demoCatalog {
		c, err := catalog.NewCourse(s.ids.NewID(), dc.course)
		if err != nil {
			return added, errs.Wrap(errs.Internal, "", fmt.Errorf("demo course %s: %w", dc.course.Slug, err))
		}
		if err := s.repo.CreateCourse(ctx, c); err != nil {
			if errs.Is(err, errs.Conflict) {
				continue // another instance seeded it first
			}
			return added, err
		}
		added++
		for _, dl := range dc.lessons {
			xp := dl.xp
			in := catalog.LessonInput{Slug: dl.slug, Title: dl.title, XPReward: &xp}
			id := s.ids.NewID()
			if _, err := s.repo.AddLesson(ctx, c.ID(), func(next int) (catalog.Lesson, error) {
				return catalog.NewLesson(id, c.ID(), in, next)
			}); err != nil && !errors.Is(err, context.Canceled) {
				return added, err
			}
		}
	}
	return added, nil
}

type demoLesson struct {
	slug, title string
	xp          int
}

type demoCourse struct {
	course  catalog.CourseInput
	lessons []demoLesson
}

// demoCatalog is what a fresh embedded install shows: enough to try every
// endpoint, two courses of six lessons.
var demoCatalog = []demoCourse{
	{
		course: catalog.CourseInput{Slug: "spanish-basics", Title: "Spanish Basics", Language: "es", Level: "beginner",
			Description: "Greetings, numbers and everyday phrases for your first conversations in Spanish."},
		lessons: []demoLesson{
			{"greetings", "Greetings", 10}, {"numbers", "Numbers 1 to 20", 10}, {"family", "Family", 15},
			{"food", "Food and Drink", 15}, {"directions", "Asking for Directions", 20}, {"review", "Review", 25},
		},
	},
	{
		course: catalog.CourseInput{Slug: "french-essentials", Title: "French Essentials", Language: "fr", Level: "beginner",
			Description: "The essentials of French: introductions, the café, the market and the train."},
		lessons: []demoLesson{
			{"bonjour", "Bonjour", 10}, {"cafe", "At the Café", 10}, {"market", "At the Market", 15},
			{"train", "Taking the Train", 15}, {"time", "Telling the Time", 20}, {"review", "Review", 25},
		},
	},
	{
		course: catalog.CourseInput{Slug: "german-intermediate", Title: "German for the Office", Language: "de", Level: "intermediate",
			Description: "Meetings, e-mails and small talk at work in German."},
		lessons: []demoLesson{
			{"meetings", "Meetings", 15}, {"emails", "Writing E-mails", 15}, {"phone", "On the Phone", 20},
			{"small-talk", "Small Talk", 20}, {"presenting", "Presenting", 25},
		},
	},
}
