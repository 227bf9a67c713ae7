//! Postcode-derived placement fields, as DfE's SSDA903 validator derives them from the home and
//! placement postcodes of an episode: `PL_LA` (the upper-tier LA the placement is in, or `SCO`,
//! `WAL`, `NIR` outside England), `PL_LOCATION` (`IN` or `OUT` of the responsible LA) and
//! `PL_DISTANCE` (miles between the two postcodes).
//!
//! The lookup is `reference/postcodes/sectors.csv`: the centroid (OS grid easting and northing)
//! and majority upper-tier LA of every postcode sector (`SO14 7`), derived from the ONS Postcode
//! Directory (Open Government Licence v3.0; see `reference/postcodes/README.md`). The validator
//! looks up each full postcode; a sector centroid is usually within a few hundred metres of it,
//! so distances here can differ from the validator's by a fraction of a mile. A postcode whose
//! sector is not listed falls back to its district (`SO14`: the mean of its sectors weighted by
//! their postcodes); one whose district is not listed has no place, and every field built from
//! it is null.
//!
//! `PL_DISTANCE` is the straight-line distance between the two grid points in km divided by
//! 1.6093 (the validator's formula, "taken from the guidance"), to one decimal place.
//!
//! Northern Ireland: the lookup holds Great Britain only (Northern Irish grid references are
//! licensed separately). Every `BT` postcode is in Northern Ireland, so its `PL_LA` is `NIR` and
//! its `PL_LOCATION` `OUT`; a distance to or from one is null (the validator would measure
//! between the Irish and British grids, which is meaningless anyway).

use std::collections::HashMap;
use std::sync::OnceLock;

const SECTORS_CSV: &str = include_str!("../../reference/postcodes/sectors.csv");
const LAS_CSV: &str = include_str!("../../reference/postcodes/upper_tier_las.csv");

/// Kilometres in a mile, as DfE's guidance has it.
const KM_PER_MILE: f64 = 1.6093;

/// Where a postcode sector (or district) is.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// OS grid easting of the centroid, metres.
    pub easting: f64,
    /// OS grid northing of the centroid, metres.
    pub northing: f64,
    /// GSS code of the upper-tier LA most of its postcodes are in (`E06000045`, `S12000036`).
    pub upper_tier_la: String,
}

impl Place {
    /// `PL_LA`: the upper-tier LA code in England, else `SCO` or `WAL`.
    pub fn pl_la(&self) -> &str {
        match self.upper_tier_la.as_bytes().first() {
            Some(b'S') => "SCO",
            Some(b'W') => "WAL",
            _ => &self.upper_tier_la,
        }
    }
}

/// Whether a postcode is in Northern Ireland (postcode area `BT`).
fn in_northern_ireland(postcode: &str) -> bool {
    sector(postcode).is_some_and(|s| s.starts_with("BT") && s.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
}

/// An English upper-tier LA.
#[derive(Debug, Clone, PartialEq)]
pub struct UpperTierLa {
    /// GSS code (`E06000045`).
    pub gss_code: String,
    /// DfE's three-digit LA code (`852`).
    pub dfe_code: String,
    pub name: String,
}

/// The postcode sectors, districts and LAs compiled into the binary.
#[derive(Debug)]
pub struct Postcodes {
    sectors: HashMap<String, Place>,
    districts: HashMap<String, Place>,
    las: Vec<UpperTierLa>,
}

/// The lookup compiled into the binary.
pub fn postcodes() -> &'static Postcodes {
    static P: OnceLock<Postcodes> = OnceLock::new();
    P.get_or_init(|| Postcodes::parse(SECTORS_CSV, LAS_CSV).expect("reference/postcodes is checked by a unit test"))
}

/// The sector of a postcode (`SO14 7`), when it has the shape of one. A sector on its own (as
/// the analyst copy keeps postcodes) is its own sector.
pub fn sector(postcode: &str) -> Option<String> {
    if let Some(s) = crate::pseudonymise::postcode_sector(postcode) {
        return Some(s);
    }
    // `SO14 7`: an outward code, a space and the inward code's digit (without the space it
    // could be `SO1 4`); checked by completing it to a postcode shape.
    let (outward, digit) = postcode.trim().split_once(' ')?;
    let (outward, digit) = (outward.to_ascii_uppercase(), digit.trim());
    (digit.len() == 1 && digit.bytes().all(|b| b.is_ascii_digit()) && crate::quality::formats::is_postcode(&format!("{outward}{digit}AA")))
        .then(|| format!("{outward} {digit}"))
}

/// `PL_LA` as a name: the English upper-tier LA's, or the country's outside England.
pub fn pl_la_name(placement: &str) -> Option<String> {
    let p = postcodes();
    let la = p.pl_la(placement)?;
    Some(match la {
        "SCO" => "Scotland".to_string(),
        "WAL" => "Wales".to_string(),
        "NIR" => "Northern Ireland".to_string(),
        code => p.la(code)?.name.clone(),
    })
}

impl Postcodes {
    fn parse(sectors: &str, las: &str) -> Result<Self, String> {
        let mut by_sector = HashMap::new();
        // District sums: easting, northing, postcodes, postcodes by LA.
        let mut sums: HashMap<String, (f64, f64, f64, HashMap<String, f64>)> = HashMap::new();
        for (i, r) in csv::Reader::from_reader(sectors.as_bytes()).records().enumerate() {
            let r = r.map_err(|e| format!("sectors.csv: {e}"))?;
            let bad = |what: &str| format!("sectors.csv row {}: {what}", i + 2);
            let number = |k: usize| r.get(k).and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| bad("not a number"));
            let (name, easting, northing, la, count) = (r.get(0).unwrap_or(""), number(1)?, number(2)?, r.get(3).unwrap_or(""), number(4)?);
            let district = name.split_once(' ').map(|(d, _)| d.to_string()).ok_or_else(|| bad("not a sector"))?;
            let s = sums.entry(district).or_default();
            s.0 += easting * count;
            s.1 += northing * count;
            s.2 += count;
            *s.3.entry(la.to_string()).or_default() += count;
            by_sector.insert(name.to_string(), Place { easting, northing, upper_tier_la: la.to_string() });
        }
        let districts = sums
            .into_iter()
            .map(|(d, (e, n, count, las))| {
                let la =
                    las.into_iter().max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0))).map(|(la, _)| la).unwrap_or_default();
                (d, Place { easting: (e / count).round(), northing: (n / count).round(), upper_tier_la: la })
            })
            .collect();
        let mut out = Vec::new();
        for r in csv::Reader::from_reader(las.as_bytes()).records() {
            let r = r.map_err(|e| format!("upper_tier_las.csv: {e}"))?;
            let f = |k: usize| r.get(k).unwrap_or("").trim().to_string();
            out.push(UpperTierLa { gss_code: f(0), dfe_code: f(1), name: f(2) });
        }
        Ok(Postcodes { sectors: by_sector, districts, las: out })
    }

    /// Where a postcode is: its sector's centroid, else its district's; `None` for a value that
    /// is not a postcode or whose district is not listed.
    pub fn place(&self, postcode: &str) -> Option<&Place> {
        let s = sector(postcode)?;
        self.sectors.get(&s).or_else(|| self.districts.get(s.split_once(' ')?.0))
    }

    /// The English upper-tier LA with this GSS code or DfE three-digit code.
    pub fn la(&self, code: &str) -> Option<&UpperTierLa> {
        let code = code.trim();
        self.las.iter().rev().find(|l| l.gss_code.eq_ignore_ascii_case(code) || l.dfe_code == code)
    }

    /// The postcode sectors (sorted) whose upper-tier LA is the English LA `la` (GSS or DfE code);
    /// empty when the LA is not known.
    pub fn sectors_of(&self, la: &str) -> Vec<(&str, &Place)> {
        let Some(own) = self.la(la) else { return Vec::new() };
        let mut out: Vec<(&str, &Place)> =
            self.sectors.iter().filter(|(_, p)| p.upper_tier_la == own.gss_code).map(|(s, p)| (s.as_str(), p)).collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// The postcode sectors (sorted) of English LAs other than `la` whose centroid is between
    /// `miles.0` and `miles.1` miles from `from`, with that distance.
    pub fn sectors_around(&self, la: &str, from: &Place, miles: (f64, f64)) -> Vec<(&str, f64)> {
        let own = self.la(la).map(|l| l.gss_code.as_str()).unwrap_or("");
        let mut out: Vec<(&str, f64)> = self
            .sectors
            .iter()
            .filter(|(_, p)| p.upper_tier_la.starts_with('E') && p.upper_tier_la != own)
            .map(|(s, p)| (s.as_str(), self::miles(from, p)))
            .filter(|(_, d)| (miles.0..=miles.1).contains(d))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// `PL_LA` of a placement postcode.
    pub fn pl_la(&self, placement: &str) -> Option<&str> {
        if in_northern_ireland(placement) {
            return Some("NIR");
        }
        self.place(placement).map(Place::pl_la)
    }

    /// `PL_LOCATION` of a placement postcode for the LA `responsible` (GSS or DfE code): `IN`
    /// when the placement's upper-tier LA is that LA, else `OUT` (always `OUT` outside England).
    /// `None` when the postcode is not found or the responsible LA is not known.
    pub fn pl_location(&self, placement: &str, responsible: &str) -> Option<&'static str> {
        let own = self.la(responsible)?;
        if in_northern_ireland(placement) {
            return Some("OUT");
        }
        let place = self.place(placement)?;
        Some(if place.upper_tier_la == own.gss_code || self.la(&place.upper_tier_la).is_some_and(|l| l.dfe_code == own.dfe_code) {
            "IN"
        } else {
            "OUT"
        })
    }

    /// `PL_DISTANCE`: miles between two postcodes, to one decimal place; `None` when either is not
    /// found (Northern Irish postcodes are not).
    pub fn distance_miles(&self, home: &str, placement: &str) -> Option<f64> {
        Some(miles(self.place(home)?, self.place(placement)?))
    }
}

/// The validator's distance between two grid points: metres to km, divided by 1.6093, rounded
/// to one decimal place.
pub fn miles(a: &Place, b: &Place) -> f64 {
    let km = (a.easting - b.easting).hypot(a.northing - b.northing) / 1000.0;
    (km / KM_PER_MILE * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_data_parses() {
        let p = Postcodes::parse(SECTORS_CSV, LAS_CSV).unwrap();
        assert!(p.sectors.len() > 10_000 && p.districts.len() > 2_500, "{} sectors, {} districts", p.sectors.len(), p.districts.len());
        assert_eq!(p.la("852").unwrap().gss_code, "E06000045");
        assert_eq!(p.la("e10000014").unwrap().name, "Hampshire");
        // Every English LA a sector is in has a DfE code and name.
        for place in p.sectors.values().filter(|s| s.upper_tier_la.starts_with('E')) {
            assert!(p.la(&place.upper_tier_la).is_some(), "{}", place.upper_tier_la);
        }
    }

    #[test]
    fn an_las_own_sectors_and_those_around_it() {
        let p = postcodes();
        let own = p.sectors_of("852");
        assert!(own.iter().any(|(s, _)| *s == "SO14 7") && own.iter().all(|(_, place)| place.upper_tier_la == "E06000045"));
        assert!(own.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        assert!(p.sectors_of("999").is_empty());
        let centre = p.place("SO14 7LY").unwrap();
        let around = p.sectors_around("852", centre, (20.0, 40.0));
        // Outside Southampton, in England, 20-40 miles away: Bournemouth (BH1, 24 miles), not Portsmouth (PO1, 16).
        assert!(around.iter().any(|(s, _)| s.starts_with("BH1 ")), "{}", around.len());
        assert!(!around.iter().any(|(s, _)| s.starts_with("PO1 ") || s.starts_with("SO14 ")));
        for (s, d) in &around {
            assert!((20.0..=40.0).contains(d) && p.pl_la(s).is_some_and(|la| la.starts_with('E') && la != "E06000045"), "{s} {d}");
        }
    }

    #[test]
    fn sectors_and_fallback_to_district() {
        assert_eq!(sector("so147ly").as_deref(), Some("SO14 7"));
        assert_eq!(sector(" SO14  7LY ").as_deref(), Some("SO14 7"));
        assert_eq!(sector("nope"), None);
        assert_eq!(sector("SO14 7").as_deref(), Some("SO14 7"), "a sector is its own sector");
        assert_eq!(sector("W1A 1").as_deref(), Some("W1A 1"));
        assert_eq!(sector("SO14"), None, "a district is not a sector");
        assert_eq!(pl_la_name("SO14 7LY").as_deref(), Some("Southampton"));
        assert_eq!(pl_la_name("EH1 1AA").as_deref(), Some("Scotland"));
        let p = postcodes();
        assert_eq!(p.place("SO14 7LY").unwrap(), &Place { easting: 442053.0, northing: 112225.0, upper_tier_la: "E06000045".into() });
        // SO14 8 is not a sector in the lookup: the district's weighted centroid is used.
        let district = p.place("SO14 8ZZ").unwrap();
        assert_eq!(district.upper_tier_la, "E06000045");
        assert!((district.easting - 442_500.0).abs() < 2_000.0, "{district:?}");
        assert_eq!(p.place("ZZ99 9ZZ"), None);
    }

    #[test]
    fn derived_fields_as_the_validator_derives_them() {
        let p = postcodes();
        // Southampton (852) placing in Southampton, Portsmouth, Edinburgh, Cardiff, Belfast.
        assert_eq!((p.pl_la("SO14 7LY"), p.pl_location("SO14 7LY", "852")), (Some("E06000045"), Some("IN")));
        assert_eq!((p.pl_la("PO1 1AA"), p.pl_location("PO1 1AA", "852")), (Some("E06000044"), Some("OUT")));
        assert_eq!((p.pl_la("EH1 1AA"), p.pl_location("EH1 1AA", "E06000045")), (Some("SCO"), Some("OUT")));
        assert_eq!(p.pl_la("CF10 1AA"), Some("WAL"));
        assert_eq!((p.pl_la("BT1 1AA"), p.pl_location("bt11aa", "852")), (Some("NIR"), Some("OUT")));
        assert_eq!(p.pl_la("BTX 1AA"), None, "not a postcode");
        assert_eq!(p.pl_location("SO14 7LY", "999"), None, "an unknown responsible LA gives no location");
        assert_eq!(p.pl_location("not a postcode", "852"), None);
    }

    #[test]
    fn distance_known_answer() {
        // Worked by hand: SO14 7 is at (442053, 112225) and PO1 1 at (464448, 100428) in
        // sectors.csv. dE = 22395, dN = 11797; sqrt(22395² + 11797²) = sqrt(640705234) =
        // 25312.2 m = 25.3122 km; / 1.6093 = 15.729 miles, 15.7 to one decimal place.
        let p = postcodes();
        assert_eq!(p.distance_miles("SO14 7LY", "PO1 1AA"), Some(15.7));
        assert_eq!(p.distance_miles("PO1 1AA", "so147ly"), Some(15.7));
        assert_eq!(p.distance_miles("SO14 7LY", "SO14 7ZZ"), Some(0.0));
        assert_eq!(p.distance_miles("SO14 7LY", "BT1 1AA"), None, "Northern Ireland is not in the lookup");
        assert_eq!(p.distance_miles("SO14 7LY", ""), None);
        let a = Place { easting: 0.0, northing: 0.0, upper_tier_la: String::new() };
        let b = Place { easting: 3000.0, northing: 4000.0, upper_tier_la: String::new() };
        // 5 km / 1.6093 = 3.107 miles.
        assert_eq!(miles(&a, &b), 3.1);
    }
}
