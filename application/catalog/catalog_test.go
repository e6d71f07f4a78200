package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	appcatalog "github.com/lingo-labs/lingo/application/catalog"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/test/mocks"
)

// uuids counts in UUIDs, as the catalog's ids must be.
type uuids struct{ n atomic.Int64 }

func (g *uuids) NewID() string { return fmt.Sprintf("0190a5a0-0000-7000-8000-%012d", g.n.Add(1)) }

func ptr[T any](v T) *T { return &v }

var ctx = context.Background()

func newCatalog() (*appcatalog.Service, *fakes.Catalog) {
	repo := fakes.NewCatalog()
	return appcatalog.NewService(repo, &uuids{}), repo
}

func TestAdminBuildsACourse(t *testing.T) {
	svc, _ := newCatalog()
	entry, err := svc.CreateCourse(ctx, catalog.CourseInput{Slug: "italian", Title: "Italian", Language: "it", Level: "beginner"})
	require.NoError(t, err)
	id := entry.Course.ID()

	first, err := svc.AddLesson(ctx, id, catalog.LessonInput{Slug: "ciao", Title: "Ciao", XPReward: ptr(10)})
	require.NoError(t, err)
	assert.Equal(t, 1, first.Position(), "after the last lesson")
	_, err = svc.AddLesson(ctx, id, catalog.LessonInput{Slug: "numeri", Title: "Numeri", XPReward: ptr(20)})
	require.NoError(t, err)

	patched, err := svc.PatchCourse(ctx, id, catalog.CoursePatch{Title: ptr("Italiano")})
	require.NoError(t, err)
	assert.Equal(t, "Italiano", patched.Course.Title())
	assert.Equal(t, 2, patched.LessonCount)
	assert.Equal(t, 30, patched.TotalXP)

	l, err := svc.PatchLesson(ctx, first.ID(), catalog.LessonPatch{XPReward: ptr(15)})
	require.NoError(t, err)
	assert.Equal(t, 15, l.XPReward())

	got, lessons, err := svc.Course(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "Italiano", got.Course.Title())
	assert.Len(t, lessons, 2)
	all, err := svc.Courses(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 1)
}

func TestCatalogRefusals(t *testing.T) {
	svc, _ := newCatalog()
	entry, err := svc.CreateCourse(ctx, catalog.CourseInput{Slug: "italian", Title: "Italian", Language: "it", Level: "beginner"})
	require.NoError(t, err)
	id := entry.Course.ID()
	lesson, err := svc.AddLesson(ctx, id, catalog.LessonInput{Slug: "ciao", Title: "Ciao", XPReward: ptr(10)})
	require.NoError(t, err)
	unknown := "0190a5a0-0000-7000-8000-999999999999"

	cases := []struct {
		name string
		call func() error
		kind errs.Kind
	}{
		{"an invalid course", func() error {
			_, err := svc.CreateCourse(ctx, catalog.CourseInput{Slug: "Bad Slug", Title: "", Language: "xx", Level: "expert"})
			return err
		}, errs.Invalid},
		{"a taken slug", func() error {
			_, err := svc.CreateCourse(ctx, catalog.CourseInput{Slug: "italian", Title: "Again", Language: "it", Level: "beginner"})
			return err
		}, errs.Conflict},
		{"a course id that is no UUID", func() error { _, _, err := svc.Course(ctx, "nope"); return err }, errs.NotFound},
		{"an unknown course", func() error { _, _, err := svc.Course(ctx, unknown); return err }, errs.NotFound},
		{"patching a course id that is no UUID", func() error {
			_, err := svc.PatchCourse(ctx, "nope", catalog.CoursePatch{})
			return err
		}, errs.NotFound},
		{"an invalid course patch", func() error {
			_, err := svc.PatchCourse(ctx, id, catalog.CoursePatch{Level: ptr("expert")})
			return err
		}, errs.Invalid},
		{"a lesson for a course id that is no UUID", func() error {
			_, err := svc.AddLesson(ctx, "nope", catalog.LessonInput{Slug: "x", Title: "X"})
			return err
		}, errs.NotFound},
		{"a lesson for an unknown course", func() error {
			_, err := svc.AddLesson(ctx, unknown, catalog.LessonInput{Slug: "x", Title: "X"})
			return err
		}, errs.NotFound},
		{"patching a lesson id that is no UUID", func() error {
			_, err := svc.PatchLesson(ctx, "nope", catalog.LessonPatch{})
			return err
		}, errs.NotFound},
		{"an invalid lesson patch", func() error {
			_, err := svc.PatchLesson(ctx, lesson.ID(), catalog.LessonPatch{XPReward: ptr(0)})
			return err
		}, errs.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.kind, errs.KindOf(tc.call()))
		})
	}
	_, lessons, err := svc.Course(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 10, lessons[0].XPReward(), "a refused patch changed nothing")
}

func TestSeedDemoFillsOnlyAnEmptyCatalog(t *testing.T) {
	svc, repo := newCatalog()
	added, err := svc.SeedDemo(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, added)
	courses, err := repo.ListCourses(ctx)
	require.NoError(t, err)
	require.Len(t, courses, 3)
	for _, c := range courses {
		assert.GreaterOrEqual(t, c.LessonCount, 5, c.Course.Slug())
	}

	again, err := svc.SeedDemo(ctx)
	require.NoError(t, err)
	assert.Zero(t, again, "a catalog with courses is left alone")
}

func TestSeedDemoSkipsCoursesAnotherInstanceSeeded(t *testing.T) {
	repo := mocks.NewCatalogRepository(t)
	repo.EXPECT().CountCourses(mock.Anything).Return(0, nil)
	repo.EXPECT().CreateCourse(mock.Anything, mock.Anything).Return(errs.E(errs.Conflict, errs.CodeSlugTaken, "taken"))
	added, err := appcatalog.NewService(repo, &uuids{}).SeedDemo(ctx)
	require.NoError(t, err)
	assert.Zero(t, added)
}

func TestSeedDemoStopsOnAStoreFailure(t *testing.T) {
	down := errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, errors.New("down"))
	t.Run("counting", func(t *testing.T) {
		repo := mocks.NewCatalogRepository(t)
		repo.EXPECT().CountCourses(mock.Anything).Return(0, down)
		_, err := appcatalog.NewService(repo, &uuids{}).SeedDemo(ctx)
		assert.ErrorIs(t, err, down)
	})
	t.Run("creating", func(t *testing.T) {
		repo := mocks.NewCatalogRepository(t)
		repo.EXPECT().CountCourses(mock.Anything).Return(0, nil)
		repo.EXPECT().CreateCourse(mock.Anything, mock.Anything).Return(down).Once()
		_, err := appcatalog.NewService(repo, &uuids{}).SeedDemo(ctx)
		assert.ErrorIs(t, err, down)
	})
	t.Run("adding a lesson", func(t *testing.T) {
		repo := mocks.NewCatalogRepository(t)
		repo.EXPECT().CountCourses(mock.Anything).Return(0, nil)
		repo.EXPECT().CreateCourse(mock.Anything, mock.Anything).Return(nil).Once()
		repo.EXPECT().AddLesson(mock.Anything, mock.Anything, mock.Anything).Return(catalog.Lesson{}, down).Once()
		added, err := appcatalog.NewService(repo, &uuids{}).SeedDemo(ctx)
		assert.ErrorIs(t, err, down)
		assert.Equal(t, 1, added, "the course before the failure stays added")
	})
}
