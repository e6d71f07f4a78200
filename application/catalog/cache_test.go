package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	appcatalog "github.com/lingo-labs/lingo/application/catalog"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/mocks"
)

const courseID = "0190a5a0-0000-7000-8000-000000000001"

func course(t *testing.T, title string) catalog.Course {
	t.Helper()
	c, err := catalog.NewCourse(courseID, catalog.CourseInput{Slug: "spanish", Title: title, Language: "es", Level: "beginner"})
	require.NoError(t, err)
	return c
}

func lesson(t *testing.T, xp int) catalog.Lesson {
	t.Helper()
	l, err := catalog.NewLesson("0190a5a0-0000-7000-8000-000000000002", courseID, catalog.LessonInput{Slug: "hola", Title: "Hola", XPReward: &xp}, 1)
	require.NoError(t, err)
	return l
}

// TestCatalogReadsThroughTheCache checks that each write makes the next read
// load again, and that reads between writes do not reach the repository.
func TestCatalogReadsThroughTheCache(t *testing.T) {
	writes := []struct {
		name  string
		setup func(repo *mocks.CatalogRepository)
		write func(svc *appcatalog.Service) error
		// answerLoads counts the write's own GetCourse, for its answer.
		answerLoads int
	}{
		{"patch a course", func(repo *mocks.CatalogRepository) {
			repo.EXPECT().UpdateCourse(mock.Anything, courseID, mock.Anything).Return(catalog.Course{}, nil)
		}, func(svc *appcatalog.Service) error {
			title := "Español"
			_, err := svc.PatchCourse(context.Background(), courseID, catalog.CoursePatch{Title: &title})
			return err
		}, 1},
		{"patch a lesson", func(repo *mocks.CatalogRepository) {
			repo.EXPECT().UpdateLesson(mock.Anything, mock.Anything, mock.Anything).Return(catalog.Lesson{}, nil)
		}, func(svc *appcatalog.Service) error {
			xp := 20
			_, err := svc.PatchLesson(context.Background(), "0190a5a0-0000-7000-8000-000000000002", catalog.LessonPatch{XPReward: &xp})
			return err
		}, 0},
		{"add a lesson", func(repo *mocks.CatalogRepository) {
			repo.EXPECT().AddLesson(mock.Anything, courseID, mock.Anything).Return(catalog.Lesson{}, nil)
		}, func(svc *appcatalog.Service) error {
			_, err := svc.AddLesson(context.Background(), courseID, catalog.LessonInput{Slug: "adios", Title: "Adiós"})
			return err
		}, 0},
		{"create a course", func(repo *mocks.CatalogRepository) {
			repo.EXPECT().CreateCourse(mock.Anything, mock.Anything).Return(nil)
		}, func(svc *appcatalog.Service) error {
			_, err := svc.CreateCourse(context.Background(), catalog.CourseInput{Slug: "french", Title: "French", Language: "fr", Level: "beginner"})
			return err
		}, 0},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			repo := mocks.NewCatalogRepository(t)
			entry := ports.CourseEntry{Course: course(t, "Spanish"), LessonCount: 1, TotalXP: 10}
			lessons := []catalog.Lesson{lesson(t, 10)}
			// Two loads each: before the write and after it; the reads in
			// between are the cache's. PatchCourse reads its answer itself.
			repo.EXPECT().ListCourses(mock.Anything).Return([]ports.CourseEntry{entry}, nil).Times(2)
			repo.EXPECT().GetCourse(mock.Anything, courseID).Return(entry, lessons, nil).Times(2 + w.answerLoads)
			w.setup(repo)
			svc := appcatalog.NewService(repo, &fakes.IDs{}, appcatalog.WithCache(memory.NewCache(clock.NewFake(time.Now()), memory.CacheOptions{}), nil))
			ctx := context.Background()
			for range 2 {
				list, err := svc.Courses(ctx)
				require.NoError(t, err)
				assert.Equal(t, []ports.CourseEntry{entry}, list)
				e, ls, err := svc.Course(ctx, courseID)
				require.NoError(t, err)
				assert.Equal(t, entry, e)
				assert.Equal(t, lessons, ls)
			}
			require.NoError(t, w.write(svc))
			for range 2 {
				_, err := svc.Courses(ctx)
				require.NoError(t, err)
				_, _, err = svc.Course(ctx, courseID)
				require.NoError(t, err)
			}
		})
	}
}

// TestCatalogWriteWithAFailingBump checks that a committed write stands when
// its bump fails: the answer is the write's, and the failure is reported.
func TestCatalogWriteWithAFailingBump(t *testing.T) {
	repo := mocks.NewCatalogRepository(t)
	repo.EXPECT().CreateCourse(mock.Anything, mock.Anything).Return(nil).Once()
	cache := mocks.NewCache(t)
	cache.EXPECT().Bump(mock.Anything, "catalog").Return(errs.E(errs.Unavailable, errs.CodeCacheUnavailable, "down")).Once()
	var reported []string
	svc := appcatalog.NewService(repo, &fakes.IDs{}, appcatalog.WithCache(cache, func(ns string, err error) {
		assert.True(t, errs.Is(err, errs.Unavailable))
		reported = append(reported, ns)
	}))
	e, err := svc.CreateCourse(context.Background(), catalog.CourseInput{Slug: "french", Title: "French", Language: "fr", Level: "beginner"})
	require.NoError(t, err)
	assert.Equal(t, "french", e.Course.Slug())
	assert.Equal(t, []string{"catalog"}, reported)
}
