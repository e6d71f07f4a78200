package service_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

func TestCatalog(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)

	t.Run("the demo catalog has two or more courses of five or more lessons", func(t *testing.T) {
		list := app.courses(t, learner)
		require.GreaterOrEqual(t, len(list), 2)
		for _, c := range list {
			assert.GreaterOrEqual(t, len(c.Lessons), 5, c.Slug)
			assert.Equal(t, len(c.Lessons), c.LessonCount)
			sum := 0
			for i, l := range c.Lessons {
				sum += l.XPReward
				assert.Equal(t, i+1, l.Position)
			}
			assert.Equal(t, sum, c.TotalXP)
		}
	})
	t.Run("catalog calls need a token", func(t *testing.T) {
		r := app.get(t, "", "/api/courses")
		assert.Equal(t, 401, r.Status)
		assert.Equal(t, "Bearer", r.Header.Get("WWW-Authenticate"))
	})
	t.Run("an unknown course is 404", func(t *testing.T) {
		assert.Equal(t, 404, app.get(t, learner, "/api/courses/"+uuid.NewString()).Status)
		assert.Equal(t, 404, app.get(t, learner, "/api/courses/not-a-uuid").Status)
	})
	t.Run("admin calls answer 403 to learners", func(t *testing.T) {
		r := app.post(t, learner, "/api/admin/courses", map[string]any{"slug": "x", "title": "X", "language": "en", "level": "beginner"})
		assert.Equal(t, 403, r.Status)
	})
	t.Run("an admin creates and patches courses and lessons", func(t *testing.T) {
		r := app.post(t, app.admin, "/api/admin/courses", map[string]any{"slug": "italian-1", "title": "Italian", "language": "it", "level": "beginner", "description": ""})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var c courseOut
		r.Decode(t, &c)
		assert.Equal(t, 409, app.post(t, app.admin, "/api/admin/courses", map[string]any{"slug": "italian-1", "title": "Again", "language": "it", "level": "beginner"}).Status)

		r = app.post(t, app.admin, "/api/admin/courses/"+c.ID+"/lessons", map[string]any{"slug": "ciao", "title": "Ciao"})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var l lessonOut
		r.Decode(t, &l)
		assert.Equal(t, 1, l.Position)
		assert.Equal(t, 10, l.XPReward)
		r = app.post(t, app.admin, "/api/admin/courses/"+c.ID+"/lessons", map[string]any{"slug": "grazie", "title": "Grazie", "xp_reward": 30})
		r.Decode(t, &l)
		assert.Equal(t, 2, l.Position, "after the last")
		assert.Equal(t, 422, app.post(t, app.admin, "/api/admin/courses/"+c.ID+"/lessons", map[string]any{"slug": "bad", "title": "Bad", "xp_reward": 101}).Status)

		r = app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/lessons/" + l.ID, Token: app.admin, Body: map[string]any{"xp_reward": 40}})
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r = app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/courses/" + c.ID, Token: app.admin, Body: map[string]any{"title": "Italiano"}})
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r.Decode(t, &c)
		assert.Equal(t, 2, c.LessonCount)
		assert.Equal(t, 50, c.TotalXP)
	})
}
