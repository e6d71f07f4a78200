package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// NewCourse makes a course (not stored).
func NewCourse(t testing.TB, slug, title string) catalog.Course {
	t.Helper()
	c, err := catalog.NewCourse(uuid.NewString(), catalog.CourseInput{Slug: slug, Title: title, Language: "es", Level: "beginner"})
	require.NoError(t, err)
	return c
}

// AddLesson stores a lesson at the course's next position.
func AddLesson(t testing.TB, repo ports.CatalogRepository, courseID, slug string, xp int) catalog.Lesson {
	t.Helper()
	l, err := repo.AddLesson(context.Background(), courseID, func(next int) (catalog.Lesson, error) {
		return catalog.NewLesson(uuid.NewString(), courseID, catalog.LessonInput{Slug: slug, Title: "Lesson " + slug, XPReward: &xp}, next)
	})
	require.NoError(t, err)
	return l
}

// RunCatalog holds a ports.CatalogRepository to its contract.
func RunCatalog(t *testing.T, fresh func(t *testing.T) ports.CatalogRepository) {
	ctx := context.Background()

	t.Run("courses list by title then id with their lesson count and total XP", func(t *testing.T) {
		repo := fresh(t)
		n, err := repo.CountCourses(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		list, err := repo.ListCourses(ctx)
		require.NoError(t, err)
		assert.Empty(t, list)

		b, a1, a2 := NewCourse(t, "b", "Basque"), NewCourse(t, "a1", "Arabic"), NewCourse(t, "a2", "Arabic")
		for _, c := range []catalog.Course{b, a1, a2} {
			require.NoError(t, repo.CreateCourse(ctx, c))
		}
		AddLesson(t, repo, b.ID(), "one", 10)
		AddLesson(t, repo, b.ID(), "two", 15)
		list, err = repo.ListCourses(ctx)
		require.NoError(t, err)
		require.Len(t, list, 3)
		first, second := a1.ID(), a2.ID()
		if second < first {
			first, second = second, first
		}
		assert.Equal(t, []string{first, second, b.ID()}, []string{list[0].Course.ID(), list[1].Course.ID(), list[2].Course.ID()})
		assert.Equal(t, 2, list[2].LessonCount)
		assert.Equal(t, 25, list[2].TotalXP)
		assert.Equal(t, b.Record(), list[2].Course.Record())
		n, _ = repo.CountCourses(ctx)
		assert.Equal(t, 3, n)
	})

	t.Run("a course reads back with its lessons in position order; unknown ids are NotFound", func(t *testing.T) {
		repo := fresh(t)
		c := NewCourse(t, "spanish", "Spanish")
		require.NoError(t, repo.CreateCourse(ctx, c))
		empty, lessons, err := repo.GetCourse(ctx, c.ID())
		require.NoError(t, err)
		assert.Zero(t, empty.LessonCount)
		assert.Empty(t, lessons)
		l1 := AddLesson(t, repo, c.ID(), "one", 10)
		l2 := AddLesson(t, repo, c.ID(), "two", 20)
		assert.Equal(t, 1, l1.Position(), "the first lesson of an empty course is at 1")
		assert.Equal(t, 2, l2.Position(), "the next after the last")
		// Move the first after the second: the order follows positions.
		_, err = repo.UpdateLesson(ctx, l1.ID(), func(l catalog.Lesson) (catalog.Lesson, error) {
			next, _, err := l.Apply(catalog.LessonPatch{Position: ptr(5)})
			return next, err
		})
		require.NoError(t, err)
		e, lessons, err := repo.GetCourse(ctx, c.ID())
		require.NoError(t, err)
		assert.Equal(t, 2, e.LessonCount)
		assert.Equal(t, []string{l2.ID(), l1.ID()}, []string{lessons[0].ID(), lessons[1].ID()})
		got, err := repo.GetLesson(ctx, l2.ID())
		require.NoError(t, err)
		assert.Equal(t, l2.Record(), got.Record())
		l3 := AddLesson(t, repo, c.ID(), "three", 30)
		assert.Equal(t, 6, l3.Position(), "after the last position, not the count")

		_, _, err = repo.GetCourse(ctx, uuid.NewString())
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		_, err = repo.GetLesson(ctx, uuid.NewString())
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		_, err = repo.AddLesson(ctx, uuid.NewString(), func(int) (catalog.Lesson, error) { return catalog.Lesson{}, nil })
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		_, err = repo.UpdateCourse(ctx, uuid.NewString(), func(c catalog.Course) (catalog.Course, error) { return c, nil })
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
	})

	t.Run("a taken slug is Conflict slug_taken: a course's anywhere, a lesson's within its course", func(t *testing.T) {
		repo := fresh(t)
		a, b := NewCourse(t, "a", "A"), NewCourse(t, "b", "B")
		require.NoError(t, repo.CreateCourse(ctx, a))
		require.NoError(t, repo.CreateCourse(ctx, b))
		err := repo.CreateCourse(ctx, NewCourse(t, "a", "Other"))
		assert.Equal(t, errs.CodeSlugTaken, errs.CodeOf(err), "%v", err)
		assert.True(t, errs.Is(err, errs.Conflict))
		_, err = repo.UpdateCourse(ctx, b.ID(), func(c catalog.Course) (catalog.Course, error) {
			next, _, err := c.Apply(catalog.CoursePatch{Slug: ptr("a")})
			return next, err
		})
		assert.Equal(t, errs.CodeSlugTaken, errs.CodeOf(err), "%v", err)
		got, _, _ := repo.GetCourse(ctx, b.ID())
		assert.Equal(t, "b", got.Course.Slug(), "a refused update stored nothing")

		AddLesson(t, repo, a.ID(), "intro", 10)
		AddLesson(t, repo, b.ID(), "intro", 10) // the same slug in another course is fine
		_, err = repo.AddLesson(ctx, a.ID(), func(next int) (catalog.Lesson, error) {
			return catalog.NewLesson(uuid.NewString(), a.ID(), catalog.LessonInput{Slug: "intro", Title: "Again", XPReward: ptr(5)}, next)
		})
		assert.Equal(t, errs.CodeSlugTaken, errs.CodeOf(err), "%v", err)
		second := AddLesson(t, repo, a.ID(), "second", 10)
		_, err = repo.UpdateLesson(ctx, second.ID(), func(l catalog.Lesson) (catalog.Lesson, error) {
			next, _, err := l.Apply(catalog.LessonPatch{Slug: ptr("intro")})
			return next, err
		})
		assert.Equal(t, errs.CodeSlugTaken, errs.CodeOf(err), "%v", err)
	})

	t.Run("fn's error is returned as is and stores nothing", func(t *testing.T) {
		repo := fresh(t)
		c := NewCourse(t, "c", "C")
		require.NoError(t, repo.CreateCourse(ctx, c))
		l := AddLesson(t, repo, c.ID(), "l", 10)
		refused := errors.New("refused")
		_, err := repo.UpdateCourse(ctx, c.ID(), func(catalog.Course) (catalog.Course, error) { return catalog.Course{}, refused })
		assert.Same(t, refused, err)
		_, err = repo.UpdateLesson(ctx, l.ID(), func(catalog.Lesson) (catalog.Lesson, error) { return catalog.Lesson{}, refused })
		assert.Same(t, refused, err)
		_, err = repo.AddLesson(ctx, c.ID(), func(int) (catalog.Lesson, error) { return catalog.Lesson{}, refused })
		assert.Same(t, refused, err)
		e, lessons, err := repo.GetCourse(ctx, c.ID())
		require.NoError(t, err)
		assert.Equal(t, c.Record(), e.Course.Record())
		assert.Len(t, lessons, 1)
		assert.Equal(t, l.Record(), lessons[0].Record())
	})

	t.Run("lessons added at once get distinct positions", func(t *testing.T) {
		repo := fresh(t)
		c := NewCourse(t, "c", "C")
		require.NoError(t, repo.CreateCourse(ctx, c))
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { AddLesson(t, repo, c.ID(), string(rune('a'+i)), 10) })
		}
		wg.Wait()
		_, lessons, err := repo.GetCourse(ctx, c.ID())
		require.NoError(t, err)
		var positions []int
		for _, l := range lessons {
			positions = append(positions, l.Position())
		}
		assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, positions)
	})
}

func ptr[T any](v T) *T { return &v }
