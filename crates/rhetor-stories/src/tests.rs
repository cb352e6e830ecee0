//! Index behaviour on hand-made embeddings (the encoder-backed checks are in tests/).

use super::*;
use chrono::TimeZone;

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, d, 12, 0, 0)
        .single()
        .expect("valid date")
}

/// A unit vector mixing a shared topic direction, an event direction and an outlet direction.
fn emb(topic: usize, event: usize, outlet: usize, mix: (f32, f32, f32)) -> Vec<f32> {
    let mut v = vec![0.0f32; 32];
    v[topic] += mix.0;
    v[8 + event] += mix.1;
    v[24 + outlet] += mix.2;
    let n = norm(&v);
    v.iter().map(|x| x / n).collect()
}

fn input(key: &str, title: &str, text: &str, outlet: &str, d: u32, e: Vec<f32>) -> StoryInput {
    StoryInput {
        key: key.into(),
        title: title.into(),
        text: text.into(),
        outlet: Some(outlet.into()),
        published: Some(day(d)),
        added_at: day(d),
        embedding: e,
    }
}

#[test]
fn lookalike_events_are_kept_apart_by_names_and_numbers() {
    // Two quakes told by two outlets, every pair of embeddings at cosine 0.60 (one topic, the
    // rest article noise): the embedding cannot tell the events apart, the particulars must.
    let m = (1.0, 0.0, 0.82);
    let arts = [
        input("a1", "Earthquake kills hundreds", "A magnitude 7.8 earthquake struck Nepal near Kathmandu on Saturday, killing 1,800 people.", "x", 2, emb(0, 0, 0, m)),
        input("b1", "Quake hits", "A magnitude 6.1 earthquake hit Japan near Sendai on Saturday, injuring 23 people.", "x", 2, emb(0, 0, 1, m)),
        input("a2", "Deadly quake", "Rescuers in Kathmandu searched rubble after the 7.8 quake in Nepal; the toll passed 1,800.", "y", 2, emb(0, 0, 2, m)),
        input("b2", "Quake in the north", "The 6.1 quake near Sendai, Japan, injured 23 people and stopped trains.", "y", 3, emb(0, 0, 3, m)),
    ];
    let mut idx = StoryIndex::new(StoryConfig::default());
    let got: Vec<u64> = arts
        .iter()
        .map(|a| idx.assign(a).expect("assign").story_id)
        .collect();
    assert_eq!(got[0], got[2], "{got:?}");
    assert_eq!(got[1], got[3], "{got:?}");
    assert_ne!(got[0], got[1], "{got:?}");
}

#[test]
fn far_apart_dates_open_a_new_story() {
    let e = emb(0, 0, 0, (1.0, 0.5, 0.1));
    let mut idx = StoryIndex::new(StoryConfig::default());
    let a = idx
        .assign(&input(
            "a",
            "Summit in Geneva",
            "Leaders met in Geneva.",
            "x",
            1,
            e.clone(),
        ))
        .expect("assign");
    let b = idx
        .assign(&input(
            "b",
            "Summit in Geneva",
            "Leaders met in Geneva.",
            "y",
            20,
            e.clone(),
        ))
        .expect("assign");
    assert!(a.new_story && b.new_story);
    assert_ne!(a.story_id, b.story_id);
    let c = idx
        .assign(&input(
            "c",
            "Summit in Geneva",
            "Leaders met in Geneva.",
            "z",
            21,
            e,
        ))
        .expect("assign");
    assert_eq!(c.story_id, b.story_id);
    assert!(!c.new_story);
    assert!(
        c.reasons.iter().any(|r| r.contains("Geneva")),
        "{:?}",
        c.reasons
    );
}

#[test]
fn bad_embeddings_are_refused() {
    let mut idx = StoryIndex::new(StoryConfig::default());
    let mut a = input("a", "T", "x", "o", 1, vec![]);
    assert!(matches!(
        idx.assign(&a),
        Err(StoryError::BadEmbedding { .. })
    ));
    a.embedding = vec![f32::NAN, 1.0];
    assert!(matches!(
        idx.assign(&a),
        Err(StoryError::BadEmbedding { .. })
    ));
    a.embedding = vec![1.0, 0.0];
    idx.assign(&a).expect("first");
    a.embedding = vec![1.0, 0.0, 0.0];
    assert!(matches!(
        idx.assign(&a),
        Err(StoryError::DimensionMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
    // A refused article leaves no trace.
    assert_eq!(idx.articles(), 1);
}

#[test]
fn state_round_trips_through_json_and_keeps_assigning() {
    let e = emb(0, 0, 0, (1.0, 0.5, 0.1));
    let mut idx = StoryIndex::new(StoryConfig::default());
    idx.assign(&input(
        "a",
        "Fire at Notre-Dame",
        "Fire hit Notre-Dame in Paris.",
        "x",
        1,
        e.clone(),
    ))
    .expect("assign");
    let json = serde_json::to_string(&idx).expect("serialise");
    let mut back: StoryIndex = serde_json::from_str(&json).expect("deserialise");
    let b = back
        .assign(&input(
            "b",
            "Notre-Dame burns",
            "Paris watched Notre-Dame burn.",
            "y",
            1,
            e,
        ))
        .expect("assign");
    assert!(!b.new_story);
    let s = back.summary(b.story_id).expect("story");
    assert_eq!(s.size, 2);
    assert_eq!(s.outlets, vec!["x".to_string(), "y".to_string()]);
    assert!(s.top_features.iter().any(|f| f.contains("Notre")), "{s:?}");
    assert!(!s.label.is_empty());
}

#[test]
fn missing_published_falls_back_to_added_at() {
    let e = emb(0, 0, 0, (1.0, 0.5, 0.1));
    let mut idx = StoryIndex::new(StoryConfig::default());
    let mut a = input("a", "Vote in Kenya", "Kenya votes.", "x", 1, e.clone());
    a.published = None;
    idx.assign(&a).expect("assign");
    let s = idx.story(0).expect("story");
    assert_eq!(s.first_published, day(1));
}
