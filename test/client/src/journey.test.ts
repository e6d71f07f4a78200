// A learner's journey through Lingo with a client generated from Lingo's own
// OpenAPI document, run by make test-client against the real binary. The
// steps run in order and share the learner's state; each says what the document
// promises and checks it from outside.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  client,
  daysAgo,
  expectError,
  localDate,
  need,
  pngRGBA,
  rateHeaders,
  type ErrorEnvelope,
  type Schemas,
} from "./lib.js";

type Course = Schemas["Course"];
type CourseDetail = Schemas["CourseDetail"];

const password = "correct horse battery";
const email = `journey-${randomUUID()}@example.com`;
// The learner moves to Tokyo and raises the daily goal; until the
// preferences step has succeeded, the defaults (UTC, 20 XP) are in force.
const wantZone = "Asia/Tokyo";
const wantGoal = 30;
let zone = "UTC";
let dailyGoal = 20;

// The journey's state, filled in by the steps in order.
let access = "";
let refresh = "";
let userId = "";
let courses: Course[] = [];
let french: CourseDetail | undefined;
let totalXP = 0;
let todayXP = 0;
let timeSpent = 0;
const now = new Date();

function lesson(i: number) {
  const l = need(french, "the French course").lessons[i];
  return need(l, `lesson ${i}`);
}

test("register a learner", async () => {
  const { data, error, response } = await client().POST("/api/auth/register", {
    body: { email, password, display_name: "  Journey Learner " },
  });
  assert.equal(response.status, 201, JSON.stringify(error));
  const session = need(data?.data, data);
  assert.equal(session.user.email, email);
  assert.equal(session.user.display_name, "Journey Learner", "display_name is trimmed");
  assert.equal(session.user.role, "learner");
  assert.equal(session.user.avatar_url, null);
  assert.equal(session.tokens.token_type, "Bearer");
  assert.equal(session.tokens.expires_in, 900, "access tokens live 15 minutes by default");
  assert.equal(session.tokens.refresh_expires_in, 720 * 3600, "refresh tokens live 30 days by default");
  userId = session.user.id;

  const again = await client().POST("/api/auth/register", {
    body: { email: email.toUpperCase(), password, display_name: "Twin" },
  });
  expectError(again.response, again.error, 409, "conflict", "email_taken");
});

test("log in, and a wrong password is refused", async () => {
  const wrong = await client().POST("/api/auth/login", { body: { email, password: "not the password" } });
  expectError(wrong.response, wrong.error, 401, "unauthorized", "invalid_credentials");

  const { data, response } = await client().POST("/api/auth/login", { body: { email: ` ${email.toUpperCase()} `, password } });
  assert.equal(response.status, 200);
  const session = need(data?.data, data);
  assert.equal(session.user.id, userId);
  access = session.tokens.access_token;
  refresh = session.tokens.refresh_token;

  const me = await client(access).GET("/api/users/me");
  assert.equal(need(me.data?.data, me.data).id, userId);
  const anonymous = await client().GET("/api/users/me");
  expectError(anonymous.response, anonymous.error, 401, "unauthorized");
  assert.equal(anonymous.response.headers.get("WWW-Authenticate")?.startsWith("Bearer"), true);
});

test("set preferences and time zone", async () => {
  const api = client(access);
  const before = await api.GET("/api/users/me/preferences");
  assert.equal(before.response.status, 200, JSON.stringify(before.error));
  const defaults = need(before.data?.data, before.data);
  assert.equal(defaults.timezone, "UTC", "a new learner starts in UTC");
  assert.equal(defaults.learning.daily_xp_goal, 20);
  assert.equal(defaults.learning.target_language, null);

  // An invalid request changes nothing, not even its valid fields.
  const bad = await api.PUT("/api/users/me/preferences", {
    body: { timezone: "Mars/Olympus_Mons", learning: { daily_xp_goal: wantGoal } },
  });
  expectError(bad.response, bad.error, 422, "validation_error", undefined);
  assert.ok(bad.error?.errors.some((e) => e.field === "timezone"), JSON.stringify(bad.error?.errors));
  const unchanged = await api.GET("/api/users/me/preferences");
  assert.equal(need(unchanged.data?.data, unchanged.data).learning.daily_xp_goal, 20);

  const put = await api.PUT("/api/users/me/preferences", {
    body: { timezone: wantZone, learning: { daily_xp_goal: wantGoal, target_language: "fr" }, interface: { theme: "dark" } },
  });
  assert.equal(put.response.status, 200, JSON.stringify(put.error));
  const update = need(put.data?.data, put.data);
  assert.deepEqual(
    [...update.updated_fields].sort(),
    ["interface.theme", "learning.daily_xp_goal", "learning.target_language", "timezone"],
  );
  assert.equal(update.preferences.timezone, wantZone);

  // PATCH is the same operation; sending current values changes nothing.
  const same = await api.PATCH("/api/users/me/preferences", { body: { timezone: wantZone } });
  assert.deepEqual(need(same.data?.data, same.data).updated_fields, []);

  const after = await api.GET("/api/users/me/preferences");
  const prefs = need(after.data?.data, after.data);
  assert.equal(prefs.timezone, wantZone);
  assert.equal(prefs.learning.daily_xp_goal, wantGoal);
  assert.equal(prefs.learning.target_language, "fr");
  assert.equal(prefs.learning.native_language, "en", "absent fields keep their values");
  assert.equal(prefs.interface.theme, "dark");
  assert.equal(prefs.notifications.reminder_time, "19:00");
  zone = wantZone;
  dailyGoal = wantGoal;
});

test("read the catalog", async () => {
  const list = await client(access).GET("/api/courses");
  assert.equal(list.response.status, 200);
  courses = need(list.data?.data, list.data);
  assert.ok(courses.length >= 2, "the demo catalog has two or more courses");
  for (const c of courses) {
    assert.ok(c.lesson_count >= 5, `${c.slug} has five or more lessons`);
  }
  const frenchCourse = need(courses.find((c) => c.slug === "french-essentials") ?? courses[0], courses);

  const detail = await client(access).GET("/api/courses/{id}", { params: { path: { id: frenchCourse.id } } });
  assert.equal(detail.response.status, 200);
  french = need(detail.data?.data, detail.data);
  assert.equal(french.lessons.length, french.lesson_count);
  assert.deepEqual(
    french.lessons.map((l) => l.position),
    [...french.lessons.map((l) => l.position)].sort((a, b) => a - b),
    "lessons come in position order",
  );
  assert.equal(
    french.lessons.reduce((s, l) => s + l.xp_reward, 0),
    french.total_xp,
    "total_xp sums the lessons' rewards",
  );

  const missing = await client(access).GET("/api/courses/{id}", { params: { path: { id: randomUUID() } } });
  expectError(missing.response, missing.error, 404, "not_found");
});

// completeOn posts one lesson completion k days back and returns its effects.
async function completeOn(k: number, index: number, score: number, duration: number) {
  const l = lesson(index);
  const at = daysAgo(now, k);
  const { data, error, response } = await client(access).POST("/api/analytics/lesson-completion", {
    body: { lesson_id: l.id, score, duration_seconds: duration, completed_at: at.toISOString(), event_id: randomUUID() },
  });
  assert.equal(response.status, 201, JSON.stringify(error));
  const answer = need(data?.data, data);
  answer.effects satisfies { xp_awarded: number; total_xp: number; level: number; achievements_unlocked: string[] };
  answer.effects.streak satisfies { current: number; longest: number; extended: boolean };
  const xp = l.xp_reward + (score === 100 ? 5 : 0);
  assert.equal(answer.effects.xp_awarded, xp, "a first completion earns the lesson's xp_reward, plus 5 for a perfect score");
  assert.equal(answer.event.local_date, localDate(zone, at), "local_date is the date in the learner's zone");
  assert.equal(answer.event.xp_awarded, xp);
  totalXP += xp;
  timeSpent += duration;
  assert.equal(answer.effects.total_xp, totalXP);
  return { answer, xp };
}

test("complete lessons over several backdated days", async () => {
  // Three days back: the run ends three days before today, so no streak is current yet.
  const d3 = await completeOn(3, 0, 80, 300);
  assert.deepEqual(d3.answer.effects.streak, { current: 0, longest: 1, extended: true, freezes_equipped: 0 });
  assert.deepEqual(d3.answer.effects.achievements_unlocked, ["first_lesson"]);
  assert.equal(d3.answer.lesson_progress?.lessons_completed, 1);
  assert.equal(d3.answer.lesson_progress?.lessons_total, need(french, "the French course").lesson_count);

  const d2 = await completeOn(2, 1, 100, 240);
  assert.deepEqual(d2.answer.effects.streak, { current: 0, longest: 2, extended: true, freezes_equipped: 0 });
  assert.ok(d2.answer.effects.achievements_unlocked.includes("perfect_lesson"));

  // Yesterday: the run now ends yesterday, so it is current (today is not active yet).
  const d1 = await completeOn(1, 2, 90, 420);
  assert.deepEqual(d1.answer.effects.streak, { current: 3, longest: 3, extended: true, freezes_equipped: 0 });
  assert.ok(d1.answer.effects.achievements_unlocked.includes("streak_3"), "streak_3 counts late events");

  // Eight days back is older than 7 days: XP, but no streak or daily-goal credit.
  const old = await completeOn(8, 3, 70, 200);
  assert.equal(old.answer.effects.streak.extended, false);
  assert.deepEqual(old.answer.effects.streak, { current: 3, longest: 3, extended: false, freezes_equipped: 0 });

  // Too far ahead is refused on completed_at.
  const future = await client(access).POST("/api/analytics/lesson-completion", {
    body: { lesson_id: lesson(4).id, score: 50, duration_seconds: 10, completed_at: new Date(now.getTime() + 3600_000).toISOString() },
  });
  expectError(future.response, future.error, 422, "validation_error", "occurred_at_in_future", "completed_at");
});

test("post an event, replay it, and conflict on its key", async () => {
  const body = {
    event_id: randomUUID(),
    event_type: "lesson_completed",
    lesson_id: lesson(0).id,
    score: 60,
    duration_seconds: 120,
    device_type: "phone" as const,
    platform: "android" as const,
    app_version: "3.1.0",
    metadata: { screen: { name: "review" } },
  };
  const first = await client(access).POST("/api/analytics/events", { body });
  assert.equal(first.response.status, 201, JSON.stringify(first.error));
  const answer = need(first.data?.data, first.data);
  assert.equal(answer.effects.xp_awarded, 5, "a repeat completion earns 5");
  assert.deepEqual(answer.effects.streak, { current: 4, longest: 4, extended: true, freezes_equipped: 0 }, "today joins the run");
  totalXP += 5;
  todayXP += 5;
  timeSpent += 120;
  assert.equal(answer.effects.total_xp, totalXP);
  assert.equal(answer.event.category, "learning");
  assert.equal(answer.event.event_id, body.event_id);

  const replay = await client(access).POST("/api/analytics/events", { body });
  assert.equal(replay.response.status, 200);
  const replayed = need(replay.data, replay);
  assert.equal(replayed.metadata.idempotent_replay, true);
  assert.deepEqual(replayed.data, first.data?.data, "a replay answers the original answer");

  const conflict = await client(access).POST("/api/analytics/events", { body: { ...body, score: 61 } });
  expectError(conflict.response, conflict.error, 409, "conflict", "event_id_conflict");

  const serverOnly = await client(access).POST("/api/analytics/events", { body: { event_type: "level_up" } });
  expectError(serverOnly.response, serverOnly.error, 422, "validation_error", "event_type_not_allowed", "event_type");
});

test("batch events", async () => {
  const session = randomUUID();
  const dupKey = randomUUID();
  const events = [
    { event_id: dupKey, event_type: "session_started", session_id: session },
    { event_type: "exercise_attempted", is_correct: true, exercise_id: "ex-1", session_id: session, duration_seconds: 30 },
    { event_type: "exercise_attempted", is_correct: false, exercise_id: "ex-2", session_id: session, duration_seconds: 45 },
    { event_type: "lesson_completed", lesson_id: lesson(4).id, score: 85, session_id: session, duration_seconds: 600 },
    { event_type: "level_up" },
    { event_type: "lesson_completed", lesson_id: lesson(5).id, score: 100, session_id: session, duration_seconds: 500 },
    { event_id: dupKey, event_type: "session_ended", session_id: session },
    { event_type: "practice_completed", score: 60, session_id: session, duration_seconds: 300 },
  ];
  const { data, error, response } = await client(access).POST("/api/analytics/events/batch", { body: { events } });
  assert.equal(response.status, 200, JSON.stringify(error));
  const batch = need(data?.data, data);
  assert.deepEqual(batch.summary, { received: 8, created: 6, duplicates: 0, rejected: 2 });
  assert.deepEqual(
    batch.results.map((r) => r.status),
    ["created", "created", "created", "created", "rejected", "created", "rejected", "created"],
  );
  assert.equal(batch.results[4]?.errors?.[0]?.code, "event_type_not_allowed");
  assert.equal(batch.results[4]?.errors?.[0]?.field, "events[4].event_type");
  assert.equal(batch.results[6]?.errors?.[0]?.code, "duplicate_in_batch");
  const xp = lesson(4).xp_reward + (lesson(5).xp_reward + 5) + 10;
  assert.equal(batch.effects.xp_awarded, xp, "the batch's XP is summed over its items");
  totalXP += xp;
  todayXP += xp;
  timeSpent += 30 + 45 + 600 + 500 + 300;
  assert.equal(batch.effects.total_xp, totalXP);
  assert.equal(batch.effects.daily_goal.goal_xp, dailyGoal);
  assert.equal(batch.effects.daily_goal.met, todayXP >= dailyGoal);

  // The same batch again: the keyed item is a duplicate, the others are new events.
  const again = await client(access).POST("/api/analytics/events/batch", { body: { events: events.slice(0, 1) } });
  const second = need(again.data?.data, again.data);
  assert.deepEqual(second.summary, { received: 1, created: 0, duplicates: 1, rejected: 0 });
  assert.equal(second.effects.xp_awarded, 0);

  const empty = await client(access).POST("/api/analytics/events/batch", { body: { events: [] } });
  expectError(empty.response, empty.error, 422, "validation_error");
});

test("complete the course", async () => {
  const c = need(french, "the French course");
  const { data, error, response } = await client(access).POST("/api/analytics/course-completion", {
    body: { course_id: c.id, final_score: 88 },
  });
  assert.equal(response.status, 201, JSON.stringify(error));
  const answer = need(data?.data, data);
  assert.equal(answer.effects.xp_awarded, 50);
  assert.equal(answer.already_completed, false);
  assert.ok(answer.effects.achievements_unlocked.includes("course_complete"));
  totalXP += 50;
  todayXP += 50;
  assert.equal(answer.effects.total_xp, totalXP);

  const again = await client(access).POST("/api/analytics/course-completion", { body: { course_id: c.id } });
  assert.equal(again.response.status, 200);
  const second = need(again.data?.data, again.data);
  assert.equal(second.already_completed, true);
  assert.equal(second.effects.xp_awarded, 0);
  assert.equal(second.event.id, answer.event.id, "the first completion event is answered");

  const other = need(courses.find((x) => x.id !== c.id), courses);
  const incomplete = await client(access).POST("/api/analytics/course-completion", { body: { course_id: other.id } });
  const err = expectError(incomplete.response, incomplete.error, 409, "conflict", "course_incomplete");
  assert.equal(err.errors[0]?.details?.lessons_remaining, other.lesson_count);
});

test("read progress and stats", async () => {
  const c = need(french, "the French course");
  const today = localDate(zone, now);
  const { data, response } = await client(access).GET("/api/analytics/progress", { params: { query: { include_global: "true" } } });
  assert.equal(response.status, 200);
  const p = need(data?.data, data);
  // The figures the journey computes with must keep their types in the
  // document: a change there fails the type-check, not only this run.
  p satisfies { total_xp: number; level: number; xp_in_level: number; current_streak: number; last_active_date: string | null };
  assert.equal(p.total_xp, totalXP);
  assert.equal(p.level, Math.floor(totalXP / 1000) + 1, "level = floor(total_xp / 1000) + 1");
  assert.equal(p.xp_in_level, totalXP % 1000);
  assert.equal(p.xp_to_next_level, 1000 - (totalXP % 1000));
  assert.equal(p.level_progress, (totalXP % 1000) / 1000);
  assert.equal(p.current_streak, 4);
  assert.equal(p.longest_streak, 4);
  assert.equal(p.streak_active_today, true);
  assert.equal(p.last_active_date, today);
  assert.deepEqual(p.daily_goal, { goal_xp: dailyGoal, today_xp: todayXP, met: todayXP >= dailyGoal });
  assert.equal(p.lessons_completed, c.lesson_count, "every lesson of the course, each counted once");
  assert.equal(p.courses_completed, 1);
  assert.deepEqual(p.courses, [
    { course_id: c.id, title: c.title, lessons_completed: c.lesson_count, lessons_total: c.lesson_count, completion_rate: 1 },
  ]);
  assert.deepEqual(
    p.achievements.map((a) => a.code).sort(),
    ["course_complete", "first_lesson", "perfect_lesson", "streak_3"],
  );
  const global = need(p.global, p);
  assert.ok(global.learners >= 1);
  assert.ok(global.xp_percentile >= 0 && global.xp_percentile <= 100);

  const stats = await client(access).GET("/api/analytics/user-stats", { params: { query: { days: "7", include_history: "true" } } });
  assert.equal(stats.response.status, 200);
  const s = need(stats.data?.data, stats.data);
  s.totals satisfies { total_xp: number; accuracy: number | null; time_spent_seconds: number; active_days: number };
  assert.deepEqual(s.totals, {
    total_xp: totalXP,
    level: p.level,
    lessons_completed: c.lesson_count,
    courses_completed: 1,
    practice_sessions: 1,
    exercises_attempted: 2,
    exercises_correct: 1,
    accuracy: 0.5,
    time_spent_seconds: timeSpent,
    sessions: 1,
    active_days: 4,
  });
  assert.deepEqual(s.streak, { current: 4, longest: 4 });
  const history = need(s.history, s);
  assert.deepEqual(
    history.map((h) => h.date),
    [6, 5, 4, 3, 2, 1, 0].map((k) => localDate(zone, daysAgo(now, k))),
    "one row per day of the range, oldest first, ending today in the learner's zone",
  );
  const byDate = new Map(history.map((h) => [h.date, h]));
  const day = (k: number) => need(byDate.get(localDate(zone, daysAgo(now, k))), history);
  assert.equal(day(3).xp, lesson(0).xp_reward);
  assert.equal(day(2).xp, lesson(1).xp_reward + 5);
  assert.equal(day(1).xp, lesson(2).xp_reward);
  assert.equal(day(0).xp, todayXP);
  assert.equal(day(0).lessons_completed, 3, "history counts completion events: a repeat and two new lessons today");
  assert.equal(day(0).goal_met, todayXP >= dailyGoal);
  assert.equal(day(4).xp, 0, "empty days are listed");
  const last7 = day(3).xp + day(2).xp + day(1).xp + day(0).xp;
  assert.deepEqual(s.last_7_days, { xp: last7, lessons_completed: 6, time_spent_seconds: s.last_7_days.time_spent_seconds, active_days: 4 });

  const badDays = await client(access).GET("/api/analytics/user-stats", { params: { query: { days: "0" } } });
  expectError(badDays.response, badDays.error, 422, "validation_error", undefined);
  assert.equal(badDays.error?.errors[0]?.field, "days");
});

test("read the current league", async () => {
  // Every XP the journey earned so far was received this league week (the
  // late events count in the week they arrive), unless a week began while
  // it ran; the learner joined the bronze league with the first of them.
  const { data, response } = await client(access).GET("/api/leagues/current");
  assert.equal(response.status, 200);
  const league = need(data?.data, data);
  league satisfies { joined: boolean; tier: string; xp: number; rank: number | null; promotion_rank: number };
  assert.equal(league.joined, true);
  assert.equal(league.tier, "bronze");
  assert.equal(league.promotion_rank, 20);
  assert.equal(league.demotion_rank, null, "nobody moves down from bronze");
  assert.equal(league.week.id, league.week.starts_at);
  assert.ok(league.xp > 0 && league.xp <= totalXP, `league xp ${league.xp} of ${totalXP}`);
  const rank = need(league.rank, league);
  const me = need(league.standings[rank - 1], league.standings);
  assert.equal(me.user_id, userId);
  assert.equal(me.xp, league.xp);
  assert.equal(me.display_name, "Journey Learner");
  assert.deepEqual(Object.keys(me).sort(), ["avatar_url", "display_name", "rank", "user_id", "xp"]);
  assert.ok(league.cohort_id);

  const history = await client(access).GET("/api/leagues/history", { params: { query: { limit: "10" } } });
  assert.equal(history.response.status, 200);
  assert.deepEqual(need(history.data?.data, history.data).items, [], "no week closed yet");
});

test("page through the learner's events", async () => {
  // Seven lesson completions so far: four backdated, one repeat, two in the batch.
  const api = client(access);
  const seen: Schemas["Event"][] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const r = await api.GET("/api/analytics/events", {
      params: { query: { event_type: "lesson_completed", limit: "3", ...(cursor ? { cursor } : {}) } },
    });
    assert.equal(r.response.status, 200, JSON.stringify(r.error));
    const body = need(r.data, r);
    const items = body.data?.items ?? [];
    seen.push(...items);
    assert.equal(body.metadata.pagination?.has_more, body.data?.next_cursor !== null);
    if (!body.data?.next_cursor) break;
    cursor = body.data.next_cursor;
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen.map((e) => e.id)).size, 7, "no event is listed twice");
  const times = seen.map((e) => Date.parse(e.occurred_at));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest occurred_at first");
  assert.ok(seen.every((e) => e.user_id === userId && e.event_type === "lesson_completed"));

  const bad = await api.GET("/api/analytics/events", { params: { query: { limit: "many" } } });
  expectError(bad.response, bad.error, 422, "validation_error");
});

// avatarForm is the multipart body of an upload: openapi-fetch sends a
// FormData as it is, with the boundary fetch chooses.
function avatarForm(bytes: Uint8Array, type: string, name: string): FormData {
  const form = new FormData();
  form.append("avatar", new Blob([new Uint8Array(bytes)], { type }), name);
  return form;
}

test("upload an avatar", async () => {
  const api = client(access);
  // A 3×2 picture with one transparent pixel, so the stored image stays PNG.
  // The part claims to be a GIF named .txt: the type must come from the bytes.
  const png = pngRGBA(3, 2, (x, y) => (x === 0 && y === 0 ? [0, 0, 0, 0] : [200, 40 * x, 90 * y, 255]));
  const form = avatarForm(png, "image/gif", "me.txt");
  const up = await api.POST("/api/users/me/avatar", {
    // The document types the binary part as a string; the serializer sends the real form.
    body: { avatar: "" },
    bodySerializer: () => form,
  });
  assert.equal(up.response.status, 200, JSON.stringify(up.error));
  const a = need(up.data?.data, up.data);
  assert.equal(a.content_type, "image/png");
  assert.equal(a.width, 3);
  assert.equal(a.height, 2);
  assert.ok(a.size_bytes > 0);
  assert.match(a.avatar_url, /\/api\/avatars\//);

  const me = await api.GET("/api/users/me");
  assert.equal(need(me.data?.data, me.data).avatar_url, a.avatar_url);

  const key = need(a.avatar_url.split("/api/avatars/")[1], a.avatar_url);
  const image = await client().GET("/api/avatars/{key}", { params: { path: { key } }, parseAs: "arrayBuffer" });
  assert.equal(image.response.status, 200);
  assert.equal(image.response.headers.get("Content-Type"), "image/png");
  assert.equal(image.response.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  const bytes = Buffer.from(need(image.data as ArrayBuffer | undefined, image));
  assert.equal(bytes.length, a.size_bytes);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const etag = need(image.response.headers.get("ETag"), "an ETag");
  const cached = await client().GET("/api/avatars/{key}", { params: { path: { key }, header: { "If-None-Match": etag } } });
  assert.equal(cached.response.status, 304);

  const gif = avatarForm(new TextEncoder().encode("GIF89a not really"), "image/png", "a.png");
  const refused = await api.POST("/api/users/me/avatar", { body: { avatar: "" }, bodySerializer: () => gif });
  expectError(refused.response, refused.error, 415, "unsupported_media_type");

  const removed = await api.DELETE("/api/users/me/avatar");
  assert.equal(removed.response.status, 200);
  assert.equal(need(removed.data?.data, removed.data).avatar_url, null);
  const gone = await client().GET("/api/avatars/{key}", { params: { path: { key } } });
  expectError(gone.response, gone.error, 404, "not_found");
});

test("refresh tokens rotate, and reuse revokes the family", async () => {
  const first = await client().POST("/api/auth/refresh", { body: { refresh_token: refresh } });
  assert.equal(first.response.status, 200, JSON.stringify(first.error));
  const rotated = need(first.data?.data, first.data).tokens;
  assert.notEqual(rotated.refresh_token, refresh, "each use issues a new refresh token");
  const me = await client(rotated.access_token).GET("/api/users/me");
  assert.equal(me.response.status, 200, "the new access token works");

  const reuse = await client().POST("/api/auth/refresh", { body: { refresh_token: refresh } });
  expectError(reuse.response, reuse.error, 401, "unauthorized", "token_reused");

  const descendant = await client().POST("/api/auth/refresh", { body: { refresh_token: rotated.refresh_token } });
  assert.equal(descendant.response.status, 401, "the whole family is revoked, the token issued from the spent one included");

  const unknown = await client().POST("/api/auth/refresh", { body: { refresh_token: "never-issued" } });
  expectError(unknown.response, unknown.error, 401, "unauthorized", "invalid_refresh_token");

  const login = await client().POST("/api/auth/login", { body: { email, password } });
  const session = need(login.data?.data, login.data);
  access = session.tokens.access_token;
  const logout = await client(access).POST("/api/auth/logout", { body: { refresh_token: session.tokens.refresh_token } });
  assert.equal(logout.response.status, 200);
  const afterLogout = await client().POST("/api/auth/refresh", { body: { refresh_token: session.tokens.refresh_token } });
  assert.equal(afterLogout.response.status, 401, "a logged-out refresh token no longer works");
});

test("a granted freeze protects a missed day", async () => {
  // A grant is dated by the learner's own date at the instant of the grant
  // and protects that date and later ones, never an earlier one. The server
  // clock cannot be moved from here, so the learner moves instead: granted
  // in Pago Pago (UTC−11), then living in Kiritimati (UTC+14), their
  // yesterday there is on or after the grant's date.
  const adminEmail = need(process.env.LINGO_ADMIN_EMAIL, "LINGO_ADMIN_EMAIL");
  const adminPassword = need(process.env.LINGO_ADMIN_PASSWORD, "LINGO_ADMIN_PASSWORD");
  const reg = await client().POST("/api/auth/register", {
    body: { email: `journey-freeze-${randomUUID()}@example.com`, password, display_name: "Frost" },
  });
  const learner = need(reg.data?.data, reg.data);
  const api = client(learner.tokens.access_token);
  const moveTo = async (timezone: string) => {
    const r = await api.PATCH("/api/users/me/preferences", { body: { timezone } });
    assert.equal(r.response.status, 200, JSON.stringify(r.error));
  };
  await moveTo("Pacific/Pago_Pago");
  const login = await client().POST("/api/auth/login", { body: { email: adminEmail, password: adminPassword } });
  const admin = client(need(login.data?.data, login.data).tokens.access_token);
  const grant = await admin.POST("/api/admin/users/{id}/streak-freezes", {
    params: { path: { id: learner.user.id } },
    body: { count: 1 },
  });
  assert.deepEqual(need(grant.data?.data, grant.error), { equipped: 1, max: 2 });
  const refused = await admin.POST("/api/admin/users/{id}/streak-freezes", {
    params: { path: { id: learner.user.id } },
    body: { count: 11 },
  });
  expectError(refused.response, refused.error, 422, "validation_error", "validation_error", "count");

  const east = "Pacific/Kiritimati";
  await moveTo(east);
  const at = new Date();
  const dayBefore = localDate(east, daysAgo(at, 2));
  const yesterday = localDate(east, daysAgo(at, 1));
  const today = localDate(east, at);
  const late = await api.POST("/api/analytics/events", {
    body: { event_type: "practice_completed", score: 80, occurred_at: daysAgo(at, 2).toISOString() },
  });
  const answer = need(late.data?.data, late.error);
  assert.equal(answer.event.local_date, dayBefore);
  // Yesterday settled at once: the streak was alive and a freeze was held.
  assert.deepEqual(answer.effects.streak, { current: 1, longest: 1, extended: true, freezes_equipped: 0 });

  const cal = await api.GET("/api/analytics/calendar", { params: { query: { from: dayBefore, to: today } } });
  const days = need(cal.data?.data, cal.error).days;
  assert.deepEqual(
    days.map((d) => [d.date, d.status]),
    [[dayBefore, "active"], [yesterday, "frozen"], [today, "pending"]],
  );
  const bad = await api.GET("/api/analytics/calendar", { params: { query: { to: "tomorrow" } } });
  expectError(bad.response, bad.error, 422, "validation_error", "validation_error", "to");

  const now2 = await api.POST("/api/analytics/events", { body: { event_type: "practice_completed", score: 80 } });
  assert.equal(need(now2.data?.data, now2.error).effects.streak.current, 2, "the frozen day bridges, adding nothing");
  const progress = await api.GET("/api/analytics/progress");
  const p = need(progress.data?.data, progress.error);
  assert.deepEqual(p.streak_freezes, { equipped: 0, max: 2, used_total: 1, last_used_on: yesterday });
});

test("void a mistaken event and see its effects go", async () => {
  // A learner takes back a lesson completion sent by mistake: its XP and
  // achievements go, the event leaves the list (include_voided shows it) and
  // its event_id stays taken. An admin's rebuild then finds nothing to change.
  const adminEmail = need(process.env.LINGO_ADMIN_EMAIL, "LINGO_ADMIN_EMAIL");
  const adminPassword = need(process.env.LINGO_ADMIN_PASSWORD, "LINGO_ADMIN_PASSWORD");
  const reg = await client().POST("/api/auth/register", {
    body: { email: `journey-void-${randomUUID()}@example.com`, password, display_name: "Oops" },
  });
  const learner = need(reg.data?.data, reg.data);
  const api = client(learner.tokens.access_token);
  const practice = await api.POST("/api/analytics/events", { body: { event_type: "practice_completed", score: 80 } });
  const kept = need(practice.data?.data, practice.error);
  const body = { event_id: randomUUID(), event_type: "lesson_completed" as const, lesson_id: lesson(0).id, score: 100 };
  const sent = await api.POST("/api/analytics/events", { body });
  const mistake = need(sent.data?.data, sent.error);
  assert.ok(mistake.effects.achievements_unlocked.includes("first_lesson"));
  assert.equal(mistake.event.voided_at, null);

  const voided = await api.POST("/api/analytics/events/{event_id}/void", { params: { path: { event_id: body.event_id } } });
  const v = need(voided.data?.data, voided.error);
  assert.ok(v.event.voided_at, "the event carries voided_at");
  assert.equal(v.effects.total_xp, kept.effects.total_xp, "only the practice's XP is left");
  assert.equal(v.effects.xp_awarded, 0);
  const again = await api.POST("/api/analytics/events/{event_id}/void", { params: { path: { event_id: body.event_id } } });
  assert.deepEqual(need(again.data?.data, again.error), v, "voiding again answers the same");

  const progress = need((await api.GET("/api/analytics/progress")).data?.data, "progress");
  assert.equal(progress.total_xp, kept.effects.total_xp);
  assert.ok(!progress.achievements.some((a) => a.code === "first_lesson"), "an achievement that no longer holds is gone");

  const listed = need((await api.GET("/api/analytics/events", { params: { query: { limit: "200" } } })).data?.data, "list");
  assert.ok(!listed.items.some((e) => e.event_id === body.event_id), "a voided event is left out of the list");
  const all = need(
    (await api.GET("/api/analytics/events", { params: { query: { limit: "200", include_voided: "true" } } })).data?.data,
    "list with voided",
  );
  const shown = need(all.items.find((e) => e.event_id === body.event_id), "the voided event");
  assert.equal(shown.voided_at, v.event.voided_at);

  // The event_id stays taken: the same body replays the first answer.
  const replay = await api.POST("/api/analytics/events", { body });
  assert.equal(replay.response.status, 200);
  assert.deepEqual(need(replay.data?.data, replay.error), mistake);

  const login = await client().POST("/api/auth/login", { body: { email: adminEmail, password: adminPassword } });
  const admin = client(need(login.data?.data, login.data).tokens.access_token);
  const rebuilt = await admin.POST("/api/admin/users/{id}/progress/rebuild", { params: { path: { id: learner.user.id } } });
  const r = need(rebuilt.data?.data, rebuilt.error);
  assert.equal(r.changed, false, "the learner's aggregates are right");
  assert.deepEqual(r.before, r.after);
});

test("an admin registers a webhook and receives a signed event", async () => {
  // A receiver on 127.0.0.1 (make test-client allows private targets).
  const got: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let arrived: () => void = () => {};
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
      arrived();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const port = (receiver.address() as AddressInfo).port;
    const login = await client().POST("/api/auth/login", {
      body: { email: process.env.LINGO_ADMIN_EMAIL ?? "", password: process.env.LINGO_ADMIN_PASSWORD ?? "" },
    });
    const admin = need(login.data?.data, login.data).tokens.access_token;
    const made = await client(admin).POST("/api/admin/webhooks", {
      body: { url: `http://127.0.0.1:${port}/hook`, event_types: ["learning.event_recorded"], description: "journey" },
    });
    assert.equal(made.response.status, 201);
    const hook = need(made.data?.data, made.data);
    assert.match(hook.secret, /^whsec_/);

    const eventId = randomUUID();
    const sent = await client(access).POST("/api/analytics/events", { body: { event_id: eventId, event_type: "app_opened" } });
    assert.equal(sent.response.status, 201);
    await first;

    const m = need(got[0], got);
    const id = String(m.headers["webhook-id"]);
    const ts = String(m.headers["webhook-timestamp"]);
    const key = Buffer.from(hook.secret.slice("whsec_".length), "base64");
    const want = "v1," + createHmac("sha256", key).update(`${id}.${ts}.${m.body}`).digest("base64");
    assert.ok(String(m.headers["webhook-signature"]).split(" ").includes(want), "signed with the endpoint's secret");
    const payload = JSON.parse(m.body);
    assert.equal(payload.type, "learning.event_recorded");
    assert.equal(payload.data.event_id, eventId);
    assert.equal(payload.data.user_id, userId);

    const log = await client(admin).GET("/api/admin/webhooks/{id}/deliveries", {
      params: { path: { id: hook.id }, query: { limit: "10" } },
    });
    const page = need(log.data?.data, log.data);
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]?.event_type, "learning.event_recorded");
  } finally {
    receiver.close();
  }
});

test("request a copy of the data, poll it, and download the zip", async () => {
  const api = client(access);
  const asked = await api.POST("/api/users/me/exports");
  assert.equal(asked.response.status, 202, JSON.stringify(asked.error));
  const created = need(asked.data?.data, asked.data);
  assert.equal(created.status, "pending");
  const again = await api.POST("/api/users/me/exports");
  if (again.response.status !== 202) {
    // Unless the first was already built, one export at a time.
    expectError(again.response, again.error, 409, "conflict", "export_in_progress");
  }

  let ready: Schemas["Export"] | undefined;
  for (let i = 0; i < 60 && !ready; i++) {
    const got = await api.GET("/api/users/me/exports/{id}", { params: { path: { id: created.id } } });
    assert.equal(got.response.status, 200, JSON.stringify(got.error));
    const e = need(got.data?.data, got.data);
    if (e.status === "ready") {
      ready = e;
    } else {
      assert.equal(e.status, "pending");
      assert.equal(e.download_url, null, "no URL until ready");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const e = need(ready, "an export that became ready");
  assert.ok(e.size_bytes !== null && e.size_bytes > 0);
  assert.ok(Date.parse(need(e.expires_at, e)) - Date.parse(need(e.completed_at, e)) === 7 * 24 * 3600 * 1000, "7 days to download");
  const url = need(e.download_url, e);
  const token = need(url.split("/api/exports/")[1], url);
  const zip = await client().GET("/api/exports/{token}", { params: { path: { token } }, parseAs: "arrayBuffer" });
  assert.equal(zip.response.status, 200);
  assert.equal(zip.response.headers.get("Content-Type"), "application/zip");
  const bytes = Buffer.from(need(zip.data as ArrayBuffer | undefined, zip));
  assert.equal(bytes.length, e.size_bytes);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], "a zip file");
  for (const name of ["account.json", "preferences.json", "progress.json", "stats.json", "achievements.json", "events.jsonl"]) {
    assert.ok(bytes.includes(Buffer.from(name)), `the zip holds ${name}`);
  }
});

test("hit a rate limit", async () => {
  // The user class (60 a minute by default) is keyed by the learner: spend
  // what is left, then one more must be refused.
  const api = client(access);
  const first = await api.GET("/api/users/me");
  assert.equal(first.response.status, 200);
  const h = rateHeaders(first.response);
  assert.equal(h.type, "user");
  assert.equal(h.limit, 60);
  assert.equal(h.window, 60);
  assert.equal(h.policy, '"user";q=60;w=60');
  assert.match(h.rateLimit ?? "", /^"user";r=\d+;t=\d+$/);
  assert.ok(h.reset >= Math.floor(Date.now() / 1000), "X-RateLimit-Reset is a Unix time not in the past");

  let refused: { response: Response; error?: ErrorEnvelope } | undefined;
  // The quota refills as time passes, so allow a little more than what is left.
  for (let i = 0; i < h.remaining + 20 && !refused; i++) {
    const r = await api.GET("/api/users/me");
    if (r.response.status === 429) {
      refused = r;
    } else {
      assert.equal(r.response.status, 200);
    }
  }
  assert.ok(refused, "the user class answered 429 once its quota was spent");
  const err = expectError(refused.response, refused.error, 429, "rate_limit_exceeded");
  const rh = rateHeaders(refused.response);
  assert.match(rh.retryAfter ?? "", /^[1-9]\d*$/, "Retry-After is whole seconds, at least 1");
  assert.equal(rh.remaining, 0);
  assert.equal(rh.limit, 60);
  assert.equal(rh.type, "user");
  assert.equal(err.metadata.endpoint_type, "user");
  const rl = need(err.metadata.rate_limit, err.metadata);
  assert.equal(rl.limit, 60);
  assert.equal(rl.window_seconds, 60);
  assert.equal(rl.remaining, 0);
  assert.equal(rl.retry_after_seconds, Number(rh.retryAfter));

  // Another class keeps its own quota: the catalog is still served.
  const courses = await api.GET("/api/courses");
  assert.equal(courses.response.status, 200);
  assert.equal(rateHeaders(courses.response).type, "general");
});

test("delete the account: its tokens stop, login answers 403, restore brings it back, and delete again", async () => {
  // A learner of their own: the journey's learner spent its user-class
  // quota in the previous step.
  const email = `leaving-${randomUUID()}@example.com`;
  const joined = await client().POST("/api/auth/register", { body: { email, password, display_name: "Leaving" } });
  assert.equal(joined.response.status, 201, JSON.stringify(joined.error));
  const { user, tokens } = need(joined.data?.data, joined.data);
  const userId = user.id;
  const me = client(tokens.access_token);
  const sent = await me.POST("/api/analytics/events", { body: { event_id: randomUUID(), event_type: "app_opened" } });
  assert.equal(sent.response.status, 201);
  const wrong = await me.DELETE("/api/users/me", { body: { password: "not the password" } });
  expectError(wrong.response, wrong.error, 422, "validation_error", "invalid_current_password");
  const del = await me.DELETE("/api/users/me", { body: { password } });
  assert.equal(del.response.status, 202, JSON.stringify(del.error));
  const scheduled = need(del.data?.data, del.data);
  assert.equal(scheduled.status, "pending_deletion");
  assert.ok(Date.parse(scheduled.purge_after) > Date.now(), "a grace period lies ahead");

  const after = await me.GET("/api/users/me");
  assert.equal(after.response.status, 401, "the access token stops at once");
  const login = await client().POST("/api/auth/login", { body: { email, password } });
  const err = expectError(login.response, login.error, 403, "forbidden", "account_pending_deletion");
  assert.equal(err.errors?.[0]?.details?.purge_after, scheduled.purge_after);

  const restored = await client().POST("/api/auth/restore", { body: { email, password } });
  assert.equal(restored.response.status, 200, JSON.stringify(restored.error));
  const session = need(restored.data?.data, restored.data);
  assert.equal(session.user.id, userId);
  const again = await client(session.tokens.access_token).DELETE("/api/users/me", { body: { password } });
  assert.equal(again.response.status, 202, JSON.stringify(again.error));
  const finalLogin = await client().POST("/api/auth/login", { body: { email, password } });
  expectError(finalLogin.response, finalLogin.error, 403, "forbidden", "account_pending_deletion");
});

test("going over the auth quota locks the client out", async () => {
  // The auth class keys by IP and locks out for 5 minutes once exceeded;
  // this runs last because it locks this machine's IP out of /api/auth/*.
  let refused: { response: Response; error?: ErrorEnvelope } | undefined;
  let limit = 0;
  for (let i = 0; i < 100 && !refused; i++) {
    const r = await client().POST("/api/auth/refresh", { body: { refresh_token: `not-a-token-${i}` } });
    if (r.response.status === 429) {
      refused = r;
    } else {
      assert.equal(r.response.status, 401);
      limit = rateHeaders(r.response).limit;
    }
  }
  assert.ok(refused, "the auth class answered 429");
  assert.equal(rateHeaders(refused.response).type, "auth");
  const err = expectError(refused.response, refused.error, 429, "rate_limit_exceeded");
  const rl = need(err.metadata.rate_limit, err.metadata);
  assert.equal(rl.limit, limit);
  const lockedUntil = Date.parse(need(rl.locked_until, rl));
  const retryAfter = Number(refused.response.headers.get("Retry-After"));
  assert.ok(retryAfter > 290 && retryAfter <= 300, `Retry-After is the lockout's 5 minutes: ${retryAfter}`);
  assert.ok(Math.abs(lockedUntil - (Date.now() + retryAfter * 1000)) < 2000, "locked_until agrees with Retry-After");

  // During the lockout even a correct login is refused (429 before the
  // account's own 403).
  const login = await client().POST("/api/auth/login", { body: { email, password } });
  assert.equal(login.response.status, 429);
});
