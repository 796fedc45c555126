/**
 * Seeded synthetic person observations for the identity index: benchmark load (1M persons) and
 * linkage tests with known truth.
 *
 * Every person gets an original record; then, on average `duplicateRate` further observations
 * from the same or other sources (3 clinics, a payer, CMS), corrupted the way registration data
 * really is: typos, nicknames, swapped names, marriage, moves, DOB slips, missing fields, noise.
 * A small share of special persons and records exercises the matcher's guards: twins and
 * household members (same family name, address and phone, different person), namesakes (same
 * common name and DOB, different person), placeholder values and newborn "BABY" records.
 *
 * Output is a pure function of the seed (one sfc32 stream, no Math.random, no clock) and is
 * streamed in an interleaved order: a person's later observations arrive 1-48 chunks after the
 * original, shuffled among other persons' records, as a live feed would deliver them.
 */
import type { IdentityInput, SourceId } from '../../processors/identity/types.ts';
import { nicknamesOf } from '../../processors/identity/nicknames.ts';

/** One generated observation and the index of the person it truly belongs to. */
export interface SynthRecord {
  /** True person index, 0 .. persons-1. */
  truth: number;
  input: IdentityInput;
  /** What was done to this record: a bit set of {@link SynthFlag} (0 = a clean original). */
  flags: number;
}

/** Generator options. */
export interface SynthOptions {
  seed: number;
  /** Number of distinct persons (twins, household members and namesakes included). */
  persons: number;
  /** Average extra observations per person (Poisson), default 0.5. */
  duplicateRate?: number;
}

/** Bits of {@link SynthRecord.flags}: corruptions applied and special cases a record belongs to. */
export const SynthFlag = {
  /** Not the person's first observation. */
  DUPLICATE: 1 << 0,
  /** Filed under a primary id an earlier record of the person already used (a deterministic update). */
  SAME_PRIMARY: 1 << 1,
  /** A second registration at the same clinic under a new MRN (the classic in-facility duplicate). */
  NEW_MRN: 1 << 2,
  NICKNAME: 1 << 3,
  GIVEN_TYPO: 1 << 4,
  FAMILY_TYPO: 1 << 5,
  /** Given and family name swapped. */
  NAME_SWAP: 1 << 6,
  /** Family name changed by marriage (women only). */
  MARRIED: 1 << 7,
  /** Hyphenated / double family name. */
  HYPHENATED: 1 << 8,
  /** New street, city, zip (and often phone). */
  MOVED: 1 << 9,
  DOB_DAY_MONTH: 1 << 10,
  DOB_DIGIT: 1 << 11,
  DOB_YEAR: 1 << 12,
  /** Fields dropped beyond what the source normally omits. */
  MISSING: 1 << 13,
  PHONE_TYPO: 1 << 14,
  SSN_TYPO: 1 << 15,
  /** Names in an unusual case (all lower, all upper). */
  CASE_NOISE: 1 << 16,
  /** Stray leading, trailing or doubled spaces. */
  WHITESPACE: 1 << 17,
  /** Street suffix spelled out ("Street" for "St"). */
  STREET_VARIANT: 1 << 18,
  /** Punctuated phone/SSN/zip+4 ("(312) 555-0100", "123-45-6789"). */
  FORMAT_NOISE: 1 << 19,
  /** Carries a placeholder SSN, phone or "UNKNOWN" name. */
  PLACEHOLDER: 1 << 20,
  /** A newborn's "BABY" record (the real given name comes later). */
  NEWBORN: 1 << 21,
  /** The person is a twin of the person generated just before (same family, DOB, address, phone). */
  TWIN: 1 << 22,
  /** The person shares family name, address and phone with the person generated just before. */
  HOUSEHOLD: 1 << 23,
  /** The person has the name, sex and DOB of an earlier, different person. */
  NAMESAKE: 1 << 24,
  /** The record carries `others` (a second identifier of the same person). */
  OTHERS: 1 << 25,
} as const;

/** Names of the flags set in `flags` ("DUPLICATE", "NICKNAME", ...). */
export function synthFlagNames(flags: number): string[] {
  return Object.entries(SynthFlag)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 (Small Fast Counter), seeded through splitmix32 so nearby seeds diverge at once.

/**
 * What the exported pools and corruption helpers draw from: this module's sfc32 stream, or any
 * other seeded source with the same four methods (producers/synth wraps runtime/prng.ts).
 */
export interface SynthRng {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(list: readonly T[]): T;
}

class Rng implements SynthRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.float() * list.length)]!;
  }
}

/** A frequency-weighted list: cumulative weights and a binary search per draw. */
class Weighted<T> {
  private readonly cum: Float64Array;

  constructor(
    readonly items: readonly T[],
    weight: (rank: number) => number,
  ) {
    this.cum = new Float64Array(items.length);
    let total = 0;
    for (let i = 0; i < items.length; i++) this.cum[i] = total += weight(i);
    for (let i = 0; i < items.length; i++) this.cum[i]! /= total;
  }

  draw(rng: SynthRng): T {
    const r = rng.float();
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

function words(s: string): string[] {
  return [...new Set(s.trim().split(/\s+/))];
}

// ---------------------------------------------------------------------------------------------
// Name data, written in rough US frequency order (rank 0 = most common). Weights are Zipf-like
// 1/(rank+k): k is chosen so the top name has a realistic share (James ~3.5% of men, Smith ~1%).

const MALE_GIVEN = words(`
james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan
henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald
harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan
albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason philip
louis harry howard fred johnny stanley leonard dale curtis clarence ernest craig todd luis carlos
manuel chad martin travis victor alex allen francis earl jimmy shawn bradley marvin danny lucas
oliver liam isaac nathaniel evan antonio luke jared dustin derek leroy herbert frederick ricky
norman mitchell theodore edwin cody jeffery jorge miguel francisco alejandro ricardo eduardo
javier fernando roberto rafael pedro sergio mario jesus hector andres enrique ignacio alberto
guillermo gerardo julio ruben oscar marcus calvin jay glenn lloyd leon warren gordon dean lewis
vernon maurice clifford wesley milton elmer floyd herman melvin hugh cecil nelson lester reginald
sidney stuart tony troy hunter caleb connor isaiah jackson owen wyatt sebastian julian levi
landon grayson cameron xavier dominic colton carson jaxon ezra hudson angel ian adrian cole blake
chase spencer garrett dallas emmanuel malik darnell tyrone jamal deandre terrell demetrius andre
lamar cedric marlon omar ali ahmed mohammed hassan wei jun minh tuan hung kenji hiroshi raj arjun
vikram sanjay amit ravi abraham solomon jonah micah elias ezekiel jeremiah tobias gideon
montgomery percival ignatius cornelius augustus barnabas bartholomew rudolph reuben silas
sylvester thaddeus ulysses wilbur woodrow vaughn quentin phineas
`);

const FEMALE_GIVEN = words(`
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret
sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca
sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha
katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia
joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah
jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy
sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany
charlotte marie kayla alexis lori tiffany rose crystal tammy ava mia harper chloe ella lily zoe
aria scarlett penelope layla nora camila elena maya sofia leah audrey claire stella violet hazel
aurora savannah brooklyn bella lucy caroline genesis emilia kennedy gabriella valentina naomi
ruby alyssa jasmine destiny vanessa monica erica erin tara april wendy valerie stacy yvonne
joanne peggy dolores bernice josephine lillian mildred edna gladys irene florence agnes esther
louise ethel thelma lucille vera norma phyllis marjorie geraldine eleanor rosa guadalupe carmen
juana yolanda araceli graciela leticia veronica adriana alejandra claudia silvia margarita
josefina consuelo mercedes ayesha fatima priya mei ling hui thuy linh yuki keisha latoya tamika
ebony shanice imani aaliyah jada tasha adelaide alexandra alicia allison amelia angelina
antoinette arabella beatrice belinda bernadette bertha bridget camille candace cassandra cecilia
constance cordelia daphne dorothea edith eileen eloise estelle eugenia evangeline francine
gabrielle genevieve georgia georgina gertrude gillian gwendolyn harriet henrietta isabel jillian
johanna katrina kristen leonora lydia mabel madeline magdalena matilda melinda millicent minerva
miriam natasha pauline philippa priscilla prudence rosalind rosemary roxanne sabrina tabitha
tamara theodora ursula vivian wilhelmina winifred
`);

const FAMILY = words(`
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez
wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark
ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams
nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker
cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper
peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james
bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster
jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher
vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno
west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall
owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb
tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason
dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren
mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne
grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight
elliott cunningham duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry
perkins hoffman johnston matthews pena richards contreras willis carpenter lawrence sandoval
guerrero george chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke
larson santiago maldonado morrison franklin carlson austin dominguez carr lawson jacobs o'brien
lynch singh vega bishop montgomery oliver jensen harvey williamson gilbert dean sims espinoza
howell li wong reid hanson le mccoy garrett burton fuller wang weber welch rojas lucas marquez
fields park yang little banks padilla day walsh bowman schultz luna fowler mejia davidson acosta
brewer may holland juarez newman pearson curtis cortez douglas schneider joseph barrett navarro
figueroa keller avila wade molina stanley hopkins campos barnett bates chambers caldwell beck
lambert miranda byrd craig ayala lowe frazier powers neal leonard gregory carrillo sutton fleming
rhodes shelton schwartz norris jennings watts duran walters cohen mcdaniel moran parks steele
vaughn becker holt de_leon barker terry hale leon benson haynes horton miles lyons pham graves
bush thornton wolfe warner cabrera mckinney mann zimmerman dawson lara fletcher page mccarthy love
robles cervantes solis erickson reeves chang klein salinas fuentes baldwin daniel simon velasquez
hardy higgins aguirre lin cummings chandler sharp barber bowen ochoa dennis robbins liu ramsey
francis griffith paul blair o'connor cardenas pacheco cross calderon quinn moss swanson chan rivas
khan rodgers serrano fitzgerald rosales stevenson christensen manning gill curry mclaughlin harmon
mcgee gross doyle garner newton burgess reese walton blake trujillo adkins brady goodman roman
webster goodwin fischer huang potter de_la_cruz montoya todd wu hines mullins castaneda malone
cannon tate mack sherman hubbard hodges zhang guerra wolf valencia saunders franco rowe gallagher
farmer hammond hampton townsend ingram wise gallegos clarke barton schroeder maxwell waters logan
camacho strickland norman person colon parsons frank harrington glover osborne buchanan casey
floyd patton ibarra ball tyler suarez bowers orozco salas cobb gibbs andrade bauer conner moody
escobar mcguire lloyd mueller hartman french kramer mcbride pope lindsey velazquez norton
mccormick sparks flynn yates hogan marsh macias villanueva zamora pratt stokes owen ballard lang
brock villarreal charles drake barrera cain patrick pineda burnett mercado santana shepherd
bautista ali shaffer lamb trevino mckenzie hess olsen cochran morton nash wilkins petersen briggs
shah roth nicholson holloway lozano rangel flowers hoover short arias mora valenzuela bryan meyers
weiss underwood bass greer summers houston carson morrow clayton whitaker decker yoder collier
zuniga carey wilcox melendez poole roberson larsen conley davenport copeland massey lam huff rocha
cameron jefferson hood monroe anthony pittman huynh randall singleton kirk combs mathis christian
skinner bradford richard galvan wall boone kirby wilkinson bridges bruce atkinson velez meza roy
vincent york hodge villa abbott allison tapia gates chase sosa sweeney farrell wyatt dalton horn
barron phelps yu dickerson heath foley atkins mathews bonilla acevedo benitez zavala hensley
glenn cisneros harrell shields rubio choi huffman boyer garrison arroyo bond kane hancock callahan
dillon cline wiggins grimes arellano melton o'neill savage ho beltran pitts parrish ponce rich
booth koch golden ware brennan mcdowell marks cantu humphrey baxter sawyer clay tanner hutchinson
kaur berg wiley gilmore russo villegas hobbs keith wilkerson ahmed beard mcclain montes mata
rosario vang walter henson o'neal mosley mcclure beasley stephenson snow huerta preston vance
barry johns eaton blackwell dyer prince macdonald solomon guevara stafford english hurst woodard
cortes shannon kemp nolan mccullough merritt murillo moon salgado strong kline cordova barajas
roach rosas winters jacobson lester knox bullock kerr leach meadows orr davila whitehead pruitt
kent conway mckee barr david de_jesus marin berger mcintyre blankenship gaines palacios cuevas
bartlett durham dorsey mccall o'donnell stein browning stout lowery sloan mclean hendricks
calhoun sexton chung gentry hull duarte ellison nielsen gillespie buck middleton sellers leblanc
esparza hardin bradshaw mcintosh howe livingston frost glass morse knapp herman stark bravo noble
spears weeks corona frederick buckley mcfarland hebert enriquez hickman quintero randolph
schaefer walls trejo house reilly pennington michael conrad giles benjamin crosby fitzpatrick
donovan mays mahoney valentine raymond medrano hahn mcmillan small bentley felix peck lucero
boyle hanna pace rush hurley harding mcconnell bernal nava ayers everett ventura avery pugh mayer
bender shepard mcmahon landry case sampson moses magana blackburn dunlap gould duffy vaughan
herring mckay espinosa rivers farley bernard ashley friedman potts truong costa correa blevins
nixon clements fry de_la_rosa best benton lugo portillo dougherty crane haley phan villalobos
blanchard horne finley quintana lynn esquivel bean dodson mullen xiong hayden cano levy huber
richmond moyer lim frye sheppard mccarty avalos booker waller parra woodward jaramillo krueger
rasmussen brandt peralta donaldson stuart faulkner maynard galindo coffey estes sanford burch
maddox vo o'connell vu andersen spence mcpherson church schmitt stanton leal cherry compton
dudley sierra pollard alfaro hester proctor lu hinton novak good madden mccann terrell jarvis
dickson reyna cantrell mayo branch hendrix rollins rowland whitney duke odom daugherty travis
tang archer
`).map((n) => n.replace(/_/g, ' '));

// Rare surnames: the real surname distribution has a long tail (about a third of Americans carry
// a name outside the top 1,000). Syllable pairs give ~16,000 plausible rare names, so the common
// list does not make everyone a namesake of someone.
const RARE_HEAD = words(`
ab al an bar bel ber bran bur car cor dal dan del dor el fal fen gal gar hal har hol kar kel kin
kor lan lar lin mal mar mel mor nor ol os pal par pel ran ros sal san sel sor tal tor val ven wal
war wil zel brom stad hub lind
`);
const RARE_MID = ['', '', '', 'a', 'e', 'i', 'o', 'en', 'er', 'in'];
const RARE_TAIL = words(`
son sen man mann ton ley berg stein ski sky ova enko ez ini elli ano ard ers ett ford well wood by
dale ner ick ing itz ov off ian yan uk ak ek ko as is os hardt
`);

const maleGiven = new Weighted(MALE_GIVEN, (r) => 1 / (r + 10));
const femaleGiven = new Weighted(FEMALE_GIVEN, (r) => 1 / (r + 10));
const family = new Weighted(FAMILY, (r) => 1 / (r + 40));
const RARE_FAMILY_SHARE = 0.3;

// ---------------------------------------------------------------------------------------------
// Places: city, state, base zip5, area code. Zips vary a little around the base.

const PLACES = `
New York|NY|10001|212 Brooklyn|NY|11201|718 Bronx|NY|10451|718 Jamaica|NY|11432|718
Staten Island|NY|10301|718 Buffalo|NY|14201|716 Rochester|NY|14604|585 Syracuse|NY|13202|315
Albany|NY|12207|518 Yonkers|NY|10701|914 Los Angeles|CA|90012|213 San Diego|CA|92101|619
San Jose|CA|95113|408 San Francisco|CA|94102|415 Fresno|CA|93721|559 Sacramento|CA|95814|916
Long Beach|CA|90802|562 Oakland|CA|94612|510 Bakersfield|CA|93301|661 Anaheim|CA|92805|714
Santa Ana|CA|92701|714 Riverside|CA|92501|951 Stockton|CA|95202|209 Irvine|CA|92614|949
Chula Vista|CA|91910|619 Fremont|CA|94536|510 San Bernardino|CA|92401|909 Modesto|CA|95354|209
Oxnard|CA|93030|805 Fontana|CA|92335|909 Glendale|CA|91203|818 Pasadena|CA|91101|626
Salinas|CA|93901|831 Berkeley|CA|94704|510 Santa Rosa|CA|95401|707 Chicago|IL|60601|312
Aurora|IL|60505|630 Rockford|IL|61101|815 Joliet|IL|60432|815 Naperville|IL|60540|630
Springfield|IL|62701|217 Peoria|IL|61602|309 Champaign|IL|61820|217 Houston|TX|77002|713
San Antonio|TX|78205|210 Dallas|TX|75201|214 Austin|TX|78701|512 Fort Worth|TX|76102|817
El Paso|TX|79901|915 Arlington|TX|76010|817 Corpus Christi|TX|78401|361 Plano|TX|75074|972
Laredo|TX|78040|956 Lubbock|TX|79401|806 Irving|TX|75061|972 Garland|TX|75040|972
Amarillo|TX|79101|806 Brownsville|TX|78520|956 McAllen|TX|78501|956 Waco|TX|76701|254
Beaumont|TX|77701|409 Odessa|TX|79761|432 Midland|TX|79701|432 Phoenix|AZ|85003|602
Tucson|AZ|85701|520 Mesa|AZ|85201|480 Chandler|AZ|85225|480 Scottsdale|AZ|85251|480
Glendale|AZ|85301|623 Tempe|AZ|85281|480 Flagstaff|AZ|86001|928 Yuma|AZ|85364|928
Philadelphia|PA|19107|215 Pittsburgh|PA|15222|412 Allentown|PA|18101|610 Erie|PA|16501|814
Reading|PA|19601|610 Scranton|PA|18503|570 Harrisburg|PA|17101|717 Lancaster|PA|17602|717
Jacksonville|FL|32202|904 Miami|FL|33130|305 Tampa|FL|33602|813 Orlando|FL|32801|407
St. Petersburg|FL|33701|727 Hialeah|FL|33010|305 Tallahassee|FL|32301|850
Fort Lauderdale|FL|33301|954 Port St. Lucie|FL|34952|772 Cape Coral|FL|33904|239
Pembroke Pines|FL|33024|954 Gainesville|FL|32601|352 Pensacola|FL|32502|850
Sarasota|FL|34236|941 Lakeland|FL|33801|863 Daytona Beach|FL|32114|386 Columbus|OH|43215|614
Cleveland|OH|44113|216 Cincinnati|OH|45202|513 Toledo|OH|43604|419 Akron|OH|44308|330
Dayton|OH|45402|937 Youngstown|OH|44503|330 Canton|OH|44702|330 Charlotte|NC|28202|704
Raleigh|NC|27601|919 Greensboro|NC|27401|336 Durham|NC|27701|919 Winston-Salem|NC|27101|336
Fayetteville|NC|28301|910 Wilmington|NC|28401|910 Asheville|NC|28801|828
Indianapolis|IN|46204|317 Fort Wayne|IN|46802|260 Evansville|IN|47708|812
South Bend|IN|46601|574 Gary|IN|46402|219 Seattle|WA|98101|206 Spokane|WA|99201|509
Tacoma|WA|98402|253 Vancouver|WA|98660|360 Bellevue|WA|98004|425 Everett|WA|98201|425
Yakima|WA|98901|509 Denver|CO|80202|303 Colorado Springs|CO|80903|719 Aurora|CO|80010|303
Fort Collins|CO|80521|970 Lakewood|CO|80226|303 Pueblo|CO|81003|719 Boulder|CO|80302|303
Washington|DC|20001|202 Boston|MA|02108|617 Worcester|MA|01608|508 Springfield|MA|01103|413
Lowell|MA|01852|978 Cambridge|MA|02139|617 New Bedford|MA|02740|508 Brockton|MA|02301|508
Nashville|TN|37203|615 Memphis|TN|38103|901 Knoxville|TN|37902|865 Chattanooga|TN|37402|423
Clarksville|TN|37040|931 Detroit|MI|48226|313 Grand Rapids|MI|49503|616 Warren|MI|48089|586
Lansing|MI|48933|517 Ann Arbor|MI|48104|734 Flint|MI|48502|810 Kalamazoo|MI|49007|269
Oklahoma City|OK|73102|405 Tulsa|OK|74103|918 Norman|OK|73069|405 Portland|OR|97204|503
Eugene|OR|97401|541 Salem|OR|97301|503 Las Vegas|NV|89101|702 Henderson|NV|89002|702
Reno|NV|89501|775 Louisville|KY|40202|502 Lexington|KY|40507|859 Bowling Green|KY|42101|270
Baltimore|MD|21202|410 Silver Spring|MD|20910|301 Frederick|MD|21701|301 Rockville|MD|20850|301
Milwaukee|WI|53202|414 Madison|WI|53703|608 Green Bay|WI|54301|920 Kenosha|WI|53140|262
Albuquerque|NM|87102|505 Las Cruces|NM|88001|575 Santa Fe|NM|87501|505
Kansas City|MO|64106|816 St. Louis|MO|63101|314 Springfield|MO|65806|417 Columbia|MO|65201|573
Independence|MO|64050|816 Atlanta|GA|30303|404 Augusta|GA|30901|706 Columbus|GA|31901|706
Savannah|GA|31401|912 Athens|GA|30601|706 Macon|GA|31201|478 Omaha|NE|68102|402
Lincoln|NE|68508|402 Minneapolis|MN|55401|612 St. Paul|MN|55101|651 Rochester|MN|55902|507
Duluth|MN|55802|218 Wichita|KS|67202|316 Overland Park|KS|66210|913 Kansas City|KS|66101|913
Topeka|KS|66603|785 New Orleans|LA|70112|504 Baton Rouge|LA|70801|225 Shreveport|LA|71101|318
Lafayette|LA|70501|337 Virginia Beach|VA|23451|757 Norfolk|VA|23510|757 Chesapeake|VA|23320|757
Richmond|VA|23219|804 Newport News|VA|23601|757 Alexandria|VA|22314|703 Roanoke|VA|24011|540
Newark|NJ|07102|973 Jersey City|NJ|07302|201 Paterson|NJ|07505|973 Elizabeth|NJ|07201|908
Trenton|NJ|08608|609 Camden|NJ|08102|856 Edison|NJ|08817|732 Honolulu|HI|96813|808
Hilo|HI|96720|808 Anchorage|AK|99501|907 Fairbanks|AK|99701|907 Salt Lake City|UT|84101|801
Provo|UT|84601|801 West Valley City|UT|84119|801 Ogden|UT|84401|801 Boise|ID|83702|208
Idaho Falls|ID|83402|208 Birmingham|AL|35203|205 Montgomery|AL|36104|334 Mobile|AL|36602|251
Huntsville|AL|35801|256 Tuscaloosa|AL|35401|205 Little Rock|AR|72201|501 Fort Smith|AR|72901|479
Fayetteville|AR|72701|479 Jackson|MS|39201|601 Gulfport|MS|39501|228 Des Moines|IA|50309|515
Cedar Rapids|IA|52401|319 Davenport|IA|52801|563 Charleston|SC|29401|843 Columbia|SC|29201|803
Greenville|SC|29601|864 Hartford|CT|06103|860 New Haven|CT|06510|203 Bridgeport|CT|06604|203
Stamford|CT|06901|203 Providence|RI|02903|401 Warwick|RI|02886|401 Manchester|NH|03101|603
Nashua|NH|03060|603 Portland|ME|04101|207 Bangor|ME|04401|207 Burlington|VT|05401|802
Wilmington|DE|19801|302 Dover|DE|19901|302 Charleston|WV|25301|304 Huntington|WV|25701|304
Fargo|ND|58102|701 Bismarck|ND|58501|701 Sioux Falls|SD|57104|605 Rapid City|SD|57701|605
Billings|MT|59101|406 Missoula|MT|59802|406 Cheyenne|WY|82001|307 Casper|WY|82601|307
San Juan|PR|00901|787
`
  .trim()
  .split(/(?<=\|\d{3})\s+/)
  .map((p): Place => {
    const [city, state, zip, area] = p.split('|') as [string, string, string, string];
    return { city, state, zip: Number(zip), area };
  });
/** A town: city, state, base zip5 and area code. */
export interface Place {
  city: string;
  state: string;
  zip: number;
  area: string;
}

// Bigger places first in the list: weight them so metro areas dominate, as patients do.
const places = new Weighted(PLACES, (r) => 1 / (r + 30));

const STREET_NAMES = words(`
Main Oak Maple Cedar Elm Pine Washington Lake Hill Park Walnut Sunset Lincoln Jackson Church River
Highland Ridge Spring Forest Meadow Willow Center Chestnut Franklin Jefferson Adams Madison Mill
Cherry Dogwood Hickory Birch Spruce Valley Sycamore Magnolia Lakeview Broad Market Union Front
Water High School College Academy Prospect Pleasant Green King Grant Wilson Monroe Harrison
Poplar Laurel Holly Aspen Cypress Rosewood Orchard Fairview Woodland Bay Beach Ocean Canyon Mesa
Palm Sierra Vista Kingston Hamilton Clinton Central North South East West 1st 2nd 3rd 4th 5th 6th
7th 8th 9th 10th 11th 12th Cambridge Oxford Sheridan Wabash Bluebird Cardinal Robin Heritage
Liberty Independence Colonial Victoria Belmont Brookside Creekside Stonegate Greenwood Riverside
Hillcrest Parkview Evergreen Lexington Arlington Glenwood
`);
// [abbreviation, spelled out] as a clerk might type either.
const SUFFIXES: readonly (readonly [string, string])[] = [
  ['St', 'Street'],
  ['Ave', 'Avenue'],
  ['Rd', 'Road'],
  ['Dr', 'Drive'],
  ['Ln', 'Lane'],
  ['Blvd', 'Boulevard'],
  ['Ct', 'Court'],
  ['Way', 'Way'],
  ['Pl', 'Place'],
  ['Cir', 'Circle'],
  ['Ter', 'Terrace'],
  ['Pkwy', 'Parkway'],
];
const suffixes = new Weighted(SUFFIXES, (r) => 1 / (r + 2));
const DIRECTIONS = ['N ', 'S ', 'E ', 'W '];
const UNIT_KINDS = ['Apt ', 'Apt ', 'Apt ', 'Unit ', '# ', 'Ste ', 'Lot '];
const EMAIL_DOMAINS = words(`
gmail.com gmail.com gmail.com gmail.com yahoo.com yahoo.com hotmail.com outlook.com aol.com
icloud.com comcast.net att.net msn.com live.com verizon.net sbcglobal.net
`);

// QWERTY neighbours: most real typos hit an adjacent key.
const KEYBOARD: Record<string, string> = {
  q: 'wa',
  w: 'qeas',
  e: 'wrsd',
  r: 'etdf',
  t: 'ryfg',
  y: 'tugh',
  u: 'yihj',
  i: 'uojk',
  o: 'ipkl',
  p: 'ol',
  a: 'qwsz',
  s: 'awedxz',
  d: 'serfcx',
  f: 'drtgvc',
  g: 'ftyhbv',
  h: 'gyujnb',
  j: 'huikmn',
  k: 'jiolm',
  l: 'kop',
  z: 'asx',
  x: 'zsdc',
  c: 'xdfv',
  v: 'cfgb',
  b: 'vghn',
  n: 'bhjm',
  m: 'njk',
};

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const REFERENCE_YEAR = 2025; // ages are as of 2025-06-30: fixed, so output never depends on the clock

// Age 0-100: flat-ish to 64, then thinning out (US age pyramid, roughly).
const ages = new Weighted(
  Array.from({ length: 101 }, (_, a) => a),
  (a) => (a < 65 ? 1 : Math.max(0.03, 1 - (a - 64) / 38)),
);

// ---------------------------------------------------------------------------------------------
// Identifier spaces. Each is an affine permutation n -> (a*n + b) mod M of a per-source counter:
// unique by construction, yet not sequential (sequential ids would make neighbours look alike).

function gcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

class IdSpace {
  private readonly a: number;
  private n = 0;

  constructor(
    private readonly m: number,
    private readonly b: number,
  ) {
    // a*n + b must stay below 2^53 (exact doubles): a ~ 1e6 and at most a few million draws
    // per space (persons are capped at 5M) keep it under 1e13.
    let a = 1_000_003;
    while (gcd(a, m) !== 1) a += 2;
    this.a = a;
  }

  next(): number {
    return (this.a * this.n++ + this.b) % this.m;
  }
}

const CLINICS = ['CLINIC-A', 'CLINIC-B', 'CLINIC-C'] as const;
const SRC_PAYER = 3;
const SRC_CMS = 4;

// MBI alphabet (CMS): letters except S, L, O, I, B, Z.
const MBI_ALPHA = 'ACDEFGHJKMNPQRTUVWXY';
const MBI_ALNUM = MBI_ALPHA + '0123456789';
const DIGITS = '0123456789';
// Radix per position: 1 = 1-9, 2 alpha, 3 alnum, 4 digit, 5 alpha, 6 alnum, 7 digit, 8-9 alpha, 10-11 digit.
const MBI_RADIX = [9, 20, 30, 10, 20, 30, 10, 20, 20, 10, 10];
/** Number of distinct MBIs {@link mbiOf} can write. */
export const MBI_SPACE = MBI_RADIX.reduce((x, y) => x * y, 1);

/** The MBI (CMS format, no S L O I B Z) at position `v` of the MBI space, 0 <= v < MBI_SPACE. */
export function mbiOf(v: number): string {
  const out: string[] = new Array<string>(11);
  for (let i = 10; i >= 0; i--) {
    const r = MBI_RADIX[i]!;
    const d = v % r;
    v = (v - d) / r;
    out[i] = i === 0 ? String(d + 1) : r === 10 ? DIGITS[d]! : r === 20 ? MBI_ALPHA[d]! : MBI_ALNUM[d]!;
  }
  return out.join('');
}

// SSN: area 001-899 except 666, group 01-99, serial 0001-9999.
const SSN_SPACE = 898 * 99 * 9999;

function ssnOf(v: number): string {
  const serial = (v % 9999) + 1;
  v = Math.floor(v / 9999);
  const group = (v % 99) + 1;
  let area = Math.floor(v / 99) + 1;
  if (area >= 666) area++;
  return String(area).padStart(3, '0') + PAD2[group]! + String(serial).padStart(4, '0');
}

// ---------------------------------------------------------------------------------------------
// Corruption rates per later observation (each independent). Chosen from published duplicate
// studies' orders of magnitude: typos and nicknames dominate, DOB slips are rarer.

const RATE = {
  sameSource: 0.4,
  newMrn: 0.08,
  others: 0.12,
  nickname: 0.1,
  givenTypo: 0.04,
  familyTypo: 0.035,
  swap: 0.012,
  married: 0.25, // of adult women's later records, once the person has married
  marriedPerson: 0.2,
  hyphen: 0.012,
  moved: 0.1,
  phoneChangeOnMove: 0.6,
  dobDayMonth: 0.02,
  dobDigit: 0.012,
  dobYear: 0.008,
  missing: 0.08,
  phoneTypo: 0.025,
  ssnTypo: 0.02,
  caseNoise: 0.05,
  whitespace: 0.03,
  streetVariant: 0.06,
  formatNoise: 0.04,
  placeholder: 0.005,
  newborn: 0.6, // of age-0 persons' original records
  twin: 0.004,
  household: 0.012,
  namesake: 0.003,
} as const;

// Sources' habits: the case they write names in and the fields they normally carry.
interface SourceStyle {
  upper: boolean;
  phone: number;
  email: number;
  ssn: number;
  middle: number;
}
const STYLES: readonly SourceStyle[] = [
  { upper: true, phone: 0.95, email: 0.5, ssn: 0.45, middle: 0.85 }, // CLINIC-A: HL7 feed, upper case
  { upper: false, phone: 0.95, email: 0.6, ssn: 0.35, middle: 0.8 }, // CLINIC-B
  { upper: false, phone: 0.9, email: 0.3, ssn: 0.55, middle: 0.7 }, // CLINIC-C
  { upper: true, phone: 0.7, email: 0, ssn: 0.75, middle: 0.5 }, // PAYER-1 roster
  { upper: true, phone: 0, email: 0, ssn: 0, middle: 0.6 }, // CMS beneficiary file: no phone/SSN
];

/** A person's true, uncorrupted attributes (names lowercase; street and city in title case). */
class Person {
  newFamily: string | null = null;
  moved: Address | null = null;
  movedPhone: string | null = null;
  mrn: (SourceId | null)[] = [null, null, null];
  member: SourceId | null = null;
  mbi: SourceId | null = null;

  constructor(
    readonly truth: number,
    readonly given: string,
    readonly family: string,
    readonly middle: string | null,
    readonly sex: 'F' | 'M',
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly birthDate: string,
    readonly address: Address,
    readonly phone: string,
    readonly email: string | null,
    readonly ssn: string | null,
    readonly medicare: boolean,
    readonly married: boolean,
    readonly flags: number,
  ) {}
}

/** A generated postal address (street in title case, with its spelled-out variant). */
export interface Address {
  street: string;
  /** Same street with the suffix spelled out. */
  streetLong: string;
  street2: string | null;
  city: string;
  state: string;
  postalCode: string;
  area: string;
  place: Place;
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m]!;
}

/** Age on the reference date, 2025-06-30 (birthdays in July-December not yet reached). */
function ageOf(year: number, month: number): number {
  return REFERENCE_YEAR - year - (month > 6 ? 1 : 0);
}

/** Not after the reference date (June 30th: the month alone decides). */
function notFuture(year: number, month: number): boolean {
  return year < REFERENCE_YEAR || (year === REFERENCE_YEAR && month <= 6);
}

function isoDate(y: number, m: number, d: number): string {
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/** Title case as clinics type names: capitals after a space, hyphen or apostrophe. */
export function titleCase(s: string): string {
  // Fast path: one plain word (nearly every name).
  if (s.indexOf(' ') < 0 && s.indexOf('-') < 0 && s.indexOf("'") < 0) {
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  let out = s.charAt(0).toUpperCase();
  for (let i = 1; i < s.length; i++) {
    const prev = s.charCodeAt(i - 1);
    // Capital after a space, hyphen or apostrophe: "de la Cruz" stays readable, "O'Brien".
    out += prev === 32 || prev === 45 || prev === 39 ? s.charAt(i).toUpperCase() : s.charAt(i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pools as functions (exported for other generators, e.g. producers/synth): each draws from the
// given stream only, so the same stream gives the same values wherever it is used.

/** A street address in a US place (metro areas weighted up); `place` pins the town. */
export function synthAddress(rng: SynthRng, place: Place = places.draw(rng)): Address {
  // House numbers: mostly 2-4 digits, some 5.
  const house = rng.chance(0.1) ? 10_000 + rng.int(90_000) : 1 + rng.int(rng.chance(0.5) ? 999 : 9999);
  const dir = rng.chance(0.12) ? rng.pick(DIRECTIONS) : '';
  const name = rng.pick(STREET_NAMES);
  const [abbr, long] = suffixes.draw(rng);
  const head = `${house} ${dir}${name} `;
  const street2 = rng.chance(0.22)
    ? rng.pick(UNIT_KINDS) +
      (rng.chance(0.6) ? String(1 + rng.int(40)) + 'ABCD'.charAt(rng.int(4)) : String(1 + rng.int(400)))
    : null;
  return {
    street: head + abbr,
    streetLong: head + long,
    street2,
    city: place.city,
    state: place.state,
    postalCode: String(place.zip + rng.int(12)).padStart(5, '0'),
    area: place.area,
    place,
  };
}

/** A 10-digit US phone number, mostly in the place's area code. */
export function synthPhone(rng: SynthRng, area: string): string {
  // Mostly local area code; a third keep a number from elsewhere (mobile numbers move with people).
  const ac = rng.chance(0.7) ? area : String(201 + rng.int(789));
  return ac + String(2 + rng.int(8)) + String(rng.int(1_000_000)).padStart(6, '0');
}

/** A family name, lower case: frequency-weighted common names plus a long tail of rare ones. */
export function synthFamilyName(rng: SynthRng): string {
  if (!rng.chance(RARE_FAMILY_SHARE)) return family.draw(rng);
  return rng.pick(RARE_HEAD) + rng.pick(RARE_MID) + rng.pick(RARE_TAIL);
}

/** A given name for the sex, lower case, frequency weighted. */
export function synthGivenName(rng: SynthRng, sex: 'F' | 'M'): string {
  return (sex === 'F' ? femaleGiven : maleGiven).draw(rng);
}

/** The generator's state: one PRNG stream and the id spaces. */
class Synth {
  readonly rng: Rng;
  private readonly mrnSpaces: IdSpace[];
  private readonly memberSpace = new IdSpace(1_000_000_000, 385_219_771);
  private readonly mbiSpace = new IdSpace(MBI_SPACE, 4_711_000_123_457);
  private readonly ssnSpace = new IdSpace(SSN_SPACE, 123_456_789);
  /** Recent persons, for namesakes (a common name + DOB seen before, on someone else). */
  private readonly recent: Person[] = [];

  constructor(seed: number) {
    this.rng = new Rng(seed);
    // CLINIC-A: 7 digits; CLINIC-B: 8 digits, zero padded; CLINIC-C: 6-8 digits.
    this.mrnSpaces = [
      new IdSpace(9_000_000, 4_242_424),
      new IdSpace(100_000_000, 31_415_926),
      new IdSpace(99_900_000, 2_718_281),
    ];
  }

  mrnValue(clinic: number): string {
    const v = this.mrnSpaces[clinic]!.next();
    if (clinic === 0) return String(1_000_000 + v);
    if (clinic === 1) return String(v).padStart(8, '0');
    return String(100_000 + v);
  }

  idOf(p: Person, source: number): SourceId {
    if (source < 3) {
      return (p.mrn[source] ??= { type: 'MR', system: CLINICS[source]!, value: this.mrnValue(source) });
    }
    if (source === SRC_PAYER) {
      return (p.member ??= {
        type: 'MB',
        system: 'PAYER-1',
        value: 'M' + String(this.memberSpace.next()).padStart(9, '0'),
      });
    }
    return (p.mbi ??= { type: 'MBI', system: 'CMS', value: mbiOf(this.mbiSpace.next()) });
  }

  address(rng: Rng, place?: Place): Address {
    return synthAddress(rng, place);
  }

  phone(rng: Rng, area: string): string {
    return synthPhone(rng, area);
  }

  familyName(rng: Rng): string {
    return synthFamilyName(rng);
  }

  givenName(rng: Rng, sex: 'F' | 'M'): string {
    return synthGivenName(rng, sex);
  }

  email(rng: Rng, given: string, fam: string, year: number): string {
    const f = fam.replace(/[^a-z]/g, '');
    const local =
      rng.int(3) === 0
        ? given.charAt(0) + f
        : rng.chance(0.5)
          ? given + '.' + f
          : given + f.charAt(0) + String(year % 100);
    return local + (rng.chance(0.3) ? String(rng.int(100)) : '') + '@' + rng.pick(EMAIL_DOMAINS);
  }

  /** A new person; `base` (the previous person) makes a twin or household member of them. */
  person(truth: number, base: Person | null, kind: 'plain' | 'twin' | 'household' | 'namesake'): Person {
    const rng = this.rng;
    let sex: 'F' | 'M' = rng.chance(0.51) ? 'F' : 'M';
    let given: string;
    let fam: string;
    let year: number;
    let month: number;
    let day: number;
    let address: Address;
    let phone: string;
    let flags = 0;
    if (kind === 'namesake' && this.recent.length > 0) {
      // Someone else with the same name and DOB: common names make this happen by chance too.
      const other = rng.pick(this.recent);
      sex = other.sex;
      given = other.given;
      fam = other.family;
      year = other.year;
      month = other.month;
      day = other.day;
      // Often in the same town, which is what makes a namesake dangerous.
      address = this.address(rng, rng.chance(0.3) ? other.address.place : places.draw(rng));
      phone = this.phone(rng, address.area);
      flags = SynthFlag.NAMESAKE;
    } else if ((kind === 'twin' || kind === 'household') && base !== null) {
      fam = base.family;
      address = base.address;
      phone = base.phone;
      if (kind === 'twin') {
        if (rng.chance(0.5)) sex = base.sex;
        year = base.year;
        month = base.month;
        day = base.day;
        flags = SynthFlag.TWIN;
      } else {
        // Spouse (opposite sex, similar age), child (of an older adult) or sibling.
        const baseAge = ageOf(base.year, base.month);
        const spouse = baseAge >= 20 && rng.chance(0.5);
        if (spouse) sex = base.sex === 'F' ? 'M' : 'F';
        year = spouse
          ? Math.min(REFERENCE_YEAR - 19, base.year - 5 + rng.int(11))
          : baseAge >= 38
            ? base.year + 20 + rng.int(18)
            : Math.min(REFERENCE_YEAR - 1, base.year - 6 + rng.int(13));
        month = 1 + rng.int(12);
        day = 1 + rng.int(daysIn(year, month));
        flags = SynthFlag.HOUSEHOLD;
      }
      do given = this.givenName(rng, sex);
      while (given === base.given);
    } else {
      given = this.givenName(rng, sex);
      fam = this.familyName(rng);
      const age = ages.draw(rng);
      month = 1 + rng.int(12);
      year = REFERENCE_YEAR - age - (month > 6 ? 1 : 0);
      day = 1 + rng.int(daysIn(year, month));
      address = this.address(rng);
      phone = this.phone(rng, address.area);
    }
    const middle = rng.chance(0.6) ? this.givenName(rng, sex) : null;
    const age = ageOf(year, month);
    const p = new Person(
      truth,
      given,
      fam,
      middle,
      sex,
      year,
      month,
      day,
      isoDate(year, month, day),
      address,
      phone,
      age >= 13 && rng.chance(0.55) ? this.email(rng, given, fam, year) : null,
      rng.chance(0.8) ? ssnOf(this.ssnSpace.next()) : null,
      age >= 65 ? rng.chance(0.93) : rng.chance(0.03),
      sex === 'F' && age >= 20 && rng.chance(RATE.marriedPerson),
      flags,
    );
    if (this.recent.length < 512) this.recent.push(p);
    else this.recent[rng.int(512)] = p;
    return p;
  }

  /** A source for an observation: clinics dominate, CMS only for Medicare beneficiaries. */
  source(p: Person): number {
    const r = this.rng.float() * (p.medicare ? 1 : 0.8);
    return r < 0.3 ? 0 : r < 0.5 ? 1 : r < 0.62 ? 2 : r < 0.8 ? SRC_PAYER : SRC_CMS;
  }

  /** One observation of `p` from `source`; `later` applies the duplicate corruptions. */
  record(p: Person, source: number, later: boolean, seen: number): SynthRecord {
    const rng = this.rng;
    let flags = p.flags;
    let primary = this.idOf(p, source);
    if (later) {
      flags |= SynthFlag.DUPLICATE;
      if ((seen & (1 << source)) !== 0) flags |= SynthFlag.SAME_PRIMARY;
    }
    if (later && source < 3 && (flags & SynthFlag.SAME_PRIMARY) !== 0 && rng.chance(RATE.newMrn)) {
      // Registered again at the same clinic without finding the existing chart.
      primary = { type: 'MR', system: CLINICS[source]!, value: this.mrnValue(source) };
      flags = (flags & ~SynthFlag.SAME_PRIMARY) | SynthFlag.NEW_MRN;
    }
    const style = STYLES[source]!;
    let given: string | null = p.given;
    let fam: string | null = p.family;
    let middle: string | null = null;
    if (p.middle !== null && rng.chance(style.middle)) {
      middle = rng.chance(0.65) ? p.middle.charAt(0) : p.middle;
    }
    let year = p.year;
    let month = p.month;
    let day = p.day;
    let birthDate: string | null = p.birthDate;
    let sex: string | null = p.sex;
    let addr = p.address;
    let street: string | null = addr.street;
    let phone: string | null = rng.chance(style.phone) ? p.phone : null;
    const email = p.email !== null && rng.chance(style.email) ? p.email : null;
    let ssn: string | null = p.ssn !== null && rng.chance(style.ssn) ? p.ssn : null;

    if (!later && ageOf(p.year, p.month) === 0 && rng.chance(RATE.newborn)) {
      // Registered at birth before the name was chosen.
      given = rng.chance(0.75) ? 'baby' : p.sex === 'F' ? 'baby girl' : 'baby boy';
      middle = null;
      flags |= SynthFlag.NEWBORN;
    }

    if (later) {
      if (rng.chance(RATE.nickname)) {
        const nicks = nicknamesOf(p.given);
        if (nicks.length > 0) {
          given = rng.pick(nicks);
          flags |= SynthFlag.NICKNAME;
        }
      }
      if (p.married && rng.chance(RATE.married)) {
        fam = p.newFamily ??= this.familyName(rng);
        flags |= SynthFlag.MARRIED;
        if (rng.chance(0.2)) {
          fam = p.family + '-' + fam;
          flags |= SynthFlag.HYPHENATED;
        }
      } else if (rng.chance(RATE.hyphen)) {
        fam = fam + (rng.chance(0.7) ? '-' : ' ') + this.familyName(rng);
        flags |= SynthFlag.HYPHENATED;
      }
      if (rng.chance(RATE.givenTypo)) {
        given = typo(rng, given);
        flags |= SynthFlag.GIVEN_TYPO;
      }
      if (rng.chance(RATE.familyTypo)) {
        fam = typo(rng, fam);
        flags |= SynthFlag.FAMILY_TYPO;
      }
      if (rng.chance(RATE.swap)) {
        [given, fam] = [fam, given];
        flags |= SynthFlag.NAME_SWAP;
      }
      if (rng.chance(RATE.moved)) {
        addr = p.moved ??= this.address(rng);
        street = addr.street;
        if (phone !== null && rng.chance(RATE.phoneChangeOnMove)) {
          phone = p.movedPhone ??= this.phone(rng, addr.area);
        }
        flags |= SynthFlag.MOVED;
      }
      if (rng.chance(RATE.streetVariant)) {
        street = addr.streetLong;
        flags |= SynthFlag.STREET_VARIANT;
      }
      let dobChanged = false;
      if (day <= 12 && day !== month && notFuture(year, day) && rng.chance(RATE.dobDayMonth)) {
        [day, month] = [month, day];
        dobChanged = true;
        flags |= SynthFlag.DOB_DAY_MONTH;
      }
      if (rng.chance(RATE.dobYear)) {
        year += notFuture(year + 1, month) && rng.chance(0.5) ? 1 : -1;
        if (day > daysIn(year, month)) day = daysIn(year, month);
        dobChanged = true;
        flags |= SynthFlag.DOB_YEAR;
      }
      if (rng.chance(RATE.dobDigit)) {
        const d = dobDigitTypo(rng, year, month, day);
        year = d[0];
        month = d[1];
        day = d[2];
        dobChanged = true;
        flags |= SynthFlag.DOB_DIGIT;
      }
      if (dobChanged) birthDate = isoDate(year, month, day);
      if (phone !== null && rng.chance(RATE.phoneTypo)) {
        phone = digitTypo(rng, phone, 3);
        flags |= SynthFlag.PHONE_TYPO;
      }
      if (ssn !== null && rng.chance(RATE.ssnTypo)) {
        ssn = digitTypo(rng, ssn, 0);
        flags |= SynthFlag.SSN_TYPO;
      }
      if (rng.chance(RATE.missing)) {
        // Drop one or two fields a registration screen lets you skip.
        const n = rng.chance(0.7) ? 1 : 2;
        for (let i = 0; i < n; i++) {
          switch (rng.int(6)) {
            case 0:
              birthDate = null;
              break;
            case 1:
              sex = null;
              break;
            case 2:
              street = null;
              break;
            case 3:
              phone = null;
              break;
            case 4:
              ssn = null;
              break;
            default:
              middle = null;
          }
        }
        flags |= SynthFlag.MISSING;
      }
    }

    if (rng.chance(RATE.placeholder)) {
      const k = rng.int(5);
      if (k === 0) ssn = rng.chance(0.5) ? '000000000' : '999999999';
      else if (k === 1) phone = '9999999999';
      else if (k === 2) ssn = '123456789';
      else if (k === 3) phone = '0000000000';
      else {
        fam = 'unknown';
        if (rng.chance(0.5)) given = 'unknown';
      }
      flags |= SynthFlag.PLACEHOLDER;
    }

    // Case: each source's habit, occasionally broken by hand entry.
    let upper = style.upper;
    let lower = false;
    if (later && rng.chance(RATE.caseNoise)) {
      if (rng.chance(0.5)) lower = true;
      else upper = !upper;
      flags |= SynthFlag.CASE_NOISE;
    }
    let city = addr.city;
    if (given !== null) given = lower ? given : upper ? given.toUpperCase() : titleCase(given);
    if (fam !== null) fam = lower ? fam : upper ? fam.toUpperCase() : titleCase(fam);
    if (middle !== null) middle = lower ? middle : upper ? middle.toUpperCase() : titleCase(middle);
    let street2 = addr.street2;
    if (upper) {
      if (street !== null) street = street.toUpperCase();
      if (street2 !== null) street2 = street2.toUpperCase();
      city = city.toUpperCase();
    } else if (lower) {
      if (street !== null) street = street.toLowerCase();
      city = city.toLowerCase();
    }
    let postalCode = addr.postalCode;

    if (later && rng.chance(RATE.whitespace)) {
      const k = rng.int(3);
      if (k === 0 && given !== null) given = given + ' ';
      else if (k === 1 && fam !== null) fam = ' ' + fam;
      else if (street !== null) street = street.replace(' ', '  ');
      flags |= SynthFlag.WHITESPACE;
    }
    if (later && rng.chance(RATE.formatNoise)) {
      const k = rng.int(3);
      if (k === 0 && phone !== null && phone.length === 10) {
        phone = `(${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}`;
      } else if (k === 1 && ssn !== null && ssn.length === 9) {
        ssn = `${ssn.slice(0, 3)}-${ssn.slice(3, 5)}-${ssn.slice(5)}`;
      } else {
        postalCode = `${postalCode}-${String(rng.int(10_000)).padStart(4, '0')}`;
      }
      flags |= SynthFlag.FORMAT_NOISE;
    }

    const input: IdentityInput = {
      primary,
      given,
      family: fam,
      middle,
      birthDate,
      sex,
      street,
      street2,
      city,
      state: addr.state,
      postalCode,
      phone,
      email,
      ssn,
    };
    if (source !== SRC_CMS && rng.chance(RATE.others)) {
      // A clinic HL7 PID-3 with the MBI (or the member id for the under-65s); a payer roster's MRN column.
      const other =
        source === SRC_PAYER
          ? this.idOf(p, lowestClinic(seen))
          : this.idOf(p, p.medicare ? SRC_CMS : SRC_PAYER);
      input.others = [other];
      flags |= SynthFlag.OTHERS;
    }
    return { truth: p.truth, input, flags };
  }
}

function lowestClinic(seen: number): number {
  return (seen & 1) !== 0 ? 0 : (seen & 2) !== 0 ? 1 : (seen & 4) !== 0 ? 2 : 0;
}

/** One keyboard-style typo: substitute a neighbour key, double/insert, drop, or transpose. */
export function typo(rng: SynthRng, s: string): string {
  const n = s.length;
  if (n < 2) return s + (KEYBOARD[s] ?? 'a').charAt(0);
  // The first letter is the one clerks get right most often.
  const pos = rng.chance(0.9) ? 1 + rng.int(n - 1) : 0;
  const c = s.charAt(pos);
  const near = KEYBOARD[c];
  switch (rng.int(4)) {
    case 0:
      if (near !== undefined) return s.slice(0, pos) + near.charAt(rng.int(near.length)) + s.slice(pos + 1);
      return s.slice(0, pos) + s.slice(pos + 1);
    case 1: {
      const ins = near !== undefined && rng.chance(0.5) ? near.charAt(rng.int(near.length)) : c;
      return s.slice(0, pos) + ins + s.slice(pos);
    }
    case 2:
      return n > 3 ? s.slice(0, pos) + s.slice(pos + 1) : s + c;
    default: {
      const i = pos === n - 1 ? pos - 1 : pos;
      const a = s.charAt(i);
      const b = s.charAt(i + 1);
      if (a === b) return s.slice(0, i) + (KEYBOARD[a] ?? 'e').charAt(0) + s.slice(i + 1);
      return s.slice(0, i) + b + a + s.slice(i + 2);
    }
  }
}

/** One digit changed (or two adjacent swapped) at or after `from`; never a no-op. */
export function digitTypo(rng: SynthRng, s: string, from: number): string {
  const i = from + rng.int(s.length - from - 1);
  const a = s.charAt(i);
  const b = s.charAt(i + 1);
  if (a !== b && rng.chance(0.3)) return s.slice(0, i) + b + a + s.slice(i + 2);
  const d = (Number(a) + 1 + rng.int(9)) % 10;
  return s.slice(0, i) + String(d) + s.slice(i + 1);
}

/** One mistyped digit of YYYY-MM-DD that still gives a valid date (screens validate dates). */
export function dobDigitTypo(rng: SynthRng, y: number, m: number, d: number): [number, number, number] {
  for (let attempt = 0; attempt < 8; attempt++) {
    let ny = y;
    let nm = m;
    let nd = d;
    const pos = rng.int(6);
    const digit = rng.int(10);
    if (pos === 0) ny = y - (y % 100) + digit * 10 + (y % 10);
    else if (pos === 1) ny = y - (y % 10) + digit;
    else if (pos === 2) nm = digit * 10 + (m % 10);
    else if (pos === 3) nm = m - (m % 10) + digit;
    else if (pos === 4) nd = digit * 10 + (d % 10);
    else nd = d - (d % 10) + digit;
    if (nm < 1 || nm > 12 || !notFuture(ny, nm) || nd < 1 || nd > daysIn(ny, nm)) continue;
    if (ny === y && nm === m && nd === d) continue;
    return [ny, nm, nd];
  }
  // Fallback: the day's last digit, within the month.
  const nd = d === daysIn(y, m) ? d - 1 : d + 1;
  return [y, m, nd];
}

/** Poisson draw (Knuth): fine for the small means used here. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.float();
  while (p > limit) {
    k++;
    p *= rng.float();
  }
  return k;
}

/**
 * Streams synthetic observations for `persons` people: each person's original record, then on
 * average `duplicateRate` later observations (Poisson), corrupted as described in the module
 * doc. Records come in chunks of ~1,000 persons; each later observation is deferred by 1-48
 * chunks and shuffled in, so it always follows the person's original and rarely sits next to
 * another record of the same person. Same `seed` and options, same output.
 */
export function* synthIdentities(opts: SynthOptions): Generator<SynthRecord> {
  const rate = opts.duplicateRate ?? 0.5;
  if (!Number.isInteger(opts.persons) || opts.persons < 0) throw new Error('persons must be an integer >= 0');
  if (opts.persons > 5_000_000) throw new Error('persons must be <= 5,000,000 (identifier spaces)');
  const synth = new Synth(opts.seed);
  const rng = synth.rng;
  // Small runs still interleave: at least ~64 chunks when there are enough persons.
  const chunk = Math.max(16, Math.min(1024, Math.ceil(opts.persons / 64)));
  const delayChunks = 48;
  const ring: SynthRecord[][] = Array.from({ length: delayChunks + 1 }, () => []);
  let c = 0;
  let truth = 0;
  let prev: Person | null = null;
  while (truth < opts.persons) {
    const out = ring[c % ring.length]!;
    for (let i = 0; i < chunk && truth < opts.persons; i++) {
      const r = rng.float();
      const kind =
        prev === null
          ? 'plain'
          : r < RATE.twin
            ? 'twin'
            : r < RATE.twin + RATE.household
              ? 'household'
              : r < RATE.twin + RATE.household + RATE.namesake
                ? 'namesake'
                : 'plain';
      const p = synth.person(truth++, prev, kind);
      prev = p;
      const first = synth.source(p);
      let seen = 1 << first;
      out.push(synth.record(p, first, false, 0));
      const extra = poisson(rng, rate);
      for (let k = 0; k < extra; k++) {
        const src = rng.chance(RATE.sameSource) ? first : synth.source(p);
        const rec = synth.record(p, src, true, seen);
        seen |= 1 << src;
        ring[(c + 1 + rng.int(delayChunks)) % ring.length]!.push(rec);
      }
    }
    shuffle(rng, out);
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    c++;
  }
  for (let k = 0; k < ring.length; k++) {
    const out = ring[(c + k) % ring.length]!;
    shuffle(rng, out);
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
  }
}

/** Fisher-Yates, in place. */
function shuffle(rng: Rng, out: SynthRecord[]): void {
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
}
