// Plain data shaped like the core's answers, for component tests.

import type { Dashboard, GroupSummary, MetricExplanation } from '../lib/api/api';

export const demoGroup: GroupSummary = {
  group: { id: 1, platform: 'demo', platform_id: 'demo-7', name: 'Hearth Makers (demo)', is_archive: false, is_demo: true, last_import_at: null },
  channels: 6,
  members: 420,
  messages: 18234,
  reactions: 9000,
  first_activity_at: Date.UTC(2026, 5, 1) / 1000,
  last_activity_at: Date.UTC(2026, 10, 20) / 1000,
};

export const telegramGroup: GroupSummary = {
  group: {
    id: 2,
    platform: 'telegram',
    platform_id: '-100123',
    name: '<img src=x onerror=alert(1)> Rust 🦀',
    is_archive: true,
    is_demo: false,
    last_import_at: Date.UTC(2026, 10, 1) / 1000,
  },
  channels: 1,
  members: 1,
  messages: 3,
  reactions: 0,
  first_activity_at: null,
  last_activity_at: null,
};

function metric(partial: Partial<MetricExplanation> & Pick<MetricExplanation, 'metric' | 'label' | 'unit'>): MetricExplanation {
  return {
    dimension: 'activity',
    value: null,
    low: 0,
    high: 1,
    normalised: null,
    weight: 0.1,
    effective_weight: 0,
    contribution: 0,
    met: null,
    ...partial,
  };
}

export const demoDashboard: Dashboard = {
  summary: demoGroup,
  as_of_date: '2026-11-20',
  health: {
    as_of: Date.UTC(2026, 10, 21) / 1000,
    period_start: Date.UTC(2026, 10, 14) / 1000,
    score: 62.44,
    metrics: [
      metric({ metric: 'retention7d', label: '7-day retention', unit: 'share', dimension: 'retention', value: 0.5, low: 0.3, high: 0.63, normalised: 0.606, weight: 0.25, effective_weight: 0.278, contribution: 16.8, met: false }),
      metric({ metric: 'reply_latency_p90', label: 'Reply latency p90', unit: 'seconds', dimension: 'responsiveness', value: 240, low: 1800, high: 120, normalised: 0.93, weight: 0.15, effective_weight: 0.167, contribution: 15.5, met: false }),
      metric({ metric: 'messages_per_active_member', label: 'Messages per active member', unit: 'ratio', value: 4.5, low: 1, high: 4.2, normalised: 1, weight: 0.18, effective_weight: 0.2, contribution: 20, met: true }),
      metric({ metric: 'newcomer_week2_retention', label: 'Newcomer week-2 retention', unit: 'share', dimension: 'retention' }),
    ],
    missing: ['newcomer_week2_retention'],
    biggest_lever: { metric: 'retention7d', label: '7-day retention', gain: 10.9 },
    thresholds: { source: 'targets', days: 0, groups: 0, kept_fixed: [] },
    additional: {
      dau: 80,
      wau: 150,
      mau: 300,
      new_members: 12,
      churned_members: 5,
      first_response_p50: 900,
      unanswered_questions: 3,
      bursts: 0,
    },
  },
  stage_totals: [
    { stage: 'observer', members: 200, active: 0 },
    { stage: 'newcomer', members: 40, active: 30 },
    { stage: 'participant', members: 120, active: 60 },
    { stage: 'contributor', members: 45, active: 40 },
    { stage: 'core', members: 15, active: 15 },
  ],
  stage_states: [
    { stage: 'observer', state: 'silent', members: 150 },
    { stage: 'observer', state: 'churned', members: 50 },
    { stage: 'newcomer', state: 'active', members: 30 },
    { stage: 'newcomer', state: 'silent', members: 10 },
    { stage: 'participant', state: 'active', members: 60 },
    { stage: 'participant', state: 'silent', members: 60 },
    { stage: 'contributor', state: 'active', members: 40 },
    { stage: 'contributor', state: 'silent', members: 5 },
    { stage: 'core', state: 'active', members: 15 },
  ],
  weekly_active: [
    { week_start: Date.UTC(2026, 10, 9) / 1000, active_members: 130, posts: 900 },
    { week_start: Date.UTC(2026, 10, 16) / 1000, active_members: 145, posts: 1000 },
  ],
  weekly_active_svg: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>Café</text></svg>',
};
