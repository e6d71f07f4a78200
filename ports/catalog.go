package ports

import (
	"context"

	"github.com/lingo-labs/lingo/domain/catalog"
)

// CourseEntry is a course with the aggregates the store computes over its
// lessons (lesson_count, total_xp).
type CourseEntry struct {
	Course      catalog.Course
	LessonCount int
	TotalXP     int
}

// CatalogRepository keeps courses and lessons.
type CatalogRepository interface {
	// ListCourses returns every course ordered by title then id.
	ListCourses(ctx context.Context) ([]CourseEntry, error)
	// GetCourse returns the course and its lessons in position order, or an
	// error of kind NotFound.
	GetCourse(ctx context.Context, id string) (CourseEntry, []catalog.Lesson, error)
	// GetLesson returns the lesson, or an error of kind NotFound.
	GetLesson(ctx context.Context, id string) (catalog.Lesson, error)
	// CreateCourse stores a new course; a taken slug is Conflict slug_taken.
	CreateCourse(ctx context.Context, c catalog.Course) error
	// UpdateCourse loads the course, lets fn change it and stores the result
	// in one transaction. NotFound when there is no such course, Conflict
	// slug_taken when the new slug is another course's; fn's error is returned
	// as is.
	UpdateCourse(ctx context.Context, id string, fn func(catalog.Course) (catalog.Course, error)) (catalog.Course, error)
	// AddLesson gives fn the position after the course's last lesson (1 for an
	// empty course) and stores the lesson it returns, in one transaction.
	// NotFound when there is no such course; Conflict slug_taken when the slug
	// is taken in the course.
	AddLesson(ctx context.Context, courseID string, fn func(nextPosition int) (catalog.Lesson, error)) (catalog.Lesson, error)
	// UpdateLesson is UpdateCourse for a lesson.
	UpdateLesson(ctx context.Context, id string, fn func(catalog.Lesson) (catalog.Lesson, error)) (catalog.Lesson, error)
	// CountCourses counts the courses (the demo seed runs on an empty catalog).
	CountCourses(ctx context.Context) (int, error)
}
