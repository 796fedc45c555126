/**
 * Given-name nickname groups for name comparison: "Bill" and "William" are the same given name to
 * a registration clerk, even though no string distance says so.
 *
 * The data is a hand-written table of common US/English (and frequent US Spanish) given names:
 * one line per formal name, followed by its usual diminutives and short forms. Names are
 * lowercase ASCII letters only, matching the normalized form `features.ts` produces (so "Mary-Jo"
 * would never be looked up with its hyphen).
 *
 * A name may belong to several groups: "al" is short for albert, alfred, alan, allen, alvin...;
 * "jerry" for gerald, jeremiah, jerome, geraldine; and some diminutives are formal names in their
 * own right ("nathan" is a name and a short form of jonathan and nathaniel). Membership is
 * therefore not transitive: "nate" ~ "nathan" and "nathan" ~ "jonathan", but "nate" is not a
 * nickname of "jonathan" because no single group holds both.
 */

// One group per line: the formal name first, then its diminutives. Lines are split on
// whitespace at module load; a formal name listed twice simply yields two groups.
const GROUPS = `
aaron ron ronnie
abraham abe bram
adam ad addy
adrian ade
albert al bert bertie
alexander alex al xander sandy lex alec sasha
alfred al alf alfie fred freddie
alan al
allen al
alvin al
alonzo lon lonnie
alphonso al fonzie phonso
ambrose brose
andrew andy drew
anthony tony ant
archibald archie
arnold arnie
arthur art artie
augustus gus augie
augustine gus austin
barnabas barney
bartholomew bart
basil baz
benedict ben benny
benjamin ben benny benji
bennett ben
bernard bernie barney
bertram bert
bradley brad
bradford brad
calvin cal
cameron cam
carlton carl
casimir cas
charles charlie chuck chas chaz chip
chester chet
christian chris
christopher chris kit topher
clarence clare clancy
clayton clay
clifford cliff
clinton clint
conrad connie
cornelius neil corny con
curtis curt
cyrus cy
daniel dan danny
david dave davey
delbert del
dennis denny
desmond des
dexter dex
dominic dom nick
dominick dom nick
donald don donnie
donovan don
douglas doug
dustin dusty
edgar ed eddie ned
edmund ed eddie ned ted
edmond ed ned
edward ed eddie ted teddy ned ward
edwin ed eddie win
elbert bert
elijah eli lige
elias eli
elwood woody
emmanuel manny
ephraim eph
ernest ernie
eugene gene
everett ev
ezekiel zeke
ezra ez
ferdinand ferdie fred
fitzgerald fitz
francis frank frankie fran
franklin frank
frederick fred freddie freddy fritz rick
fredrick fred freddie freddy
gabriel gabe
geoffrey geoff jeff
gerald gerry jerry
gerard gerry
gideon gid
gilbert gil bert
gordon gordie
gregory greg
gustave gus
harold hal harry
harrison harry
harvey harv
henry hank harry hal hen
herbert herb bert
herman herm
howard howie
hubert hugh bert
hugh hughie
ignatius iggy
irving irv
isaac ike
isadore izzy
isaiah ike izzy
jackson jack
jacob jake jack
james jim jimmy jamie jimbo
jason jay
jasper jas
jedediah jed
jebediah jeb
jefferson jeff
jeffrey jeff
jeffery jeff
jeremiah jerry jeremy
jeremy jerry
jerome jerry
john johnny jack jon
jonah jon
jonathan jon jonny nathan
jordan jordy
joseph joe joey jos
josiah joe
joshua josh
julius jules
kendrick ken
kenneth ken kenny
kevin kev
kristopher kris chris
lambert bert
lawrence larry lars
laurence larry
lemuel lem
leon leo
leonard len lenny leo
leonardo leo
leopold leo
leroy roy lee
leslie les
lester les
lewis lew lou
lincoln linc
lionel leo
llewellyn lew
lorenzo ren renzo
louis lou louie
lucas luke
luther luke
malcolm mal mac
marcus marc
marshall marsh
martin marty
marvin marv
mathias matt
matthew matt matty
maurice mo morris
maximilian max
maxwell max
melvin mel
micah mike
michael mike mikey mick mickey
milton milt
mitchell mitch
montgomery monty
mordecai mord
morris mo morrie
mortimer mort morty
moses mo moe
nathan nate nat
nathaniel nate nat nathan
nelson nels
nicholas nick nicky nico
norbert bert norb
norman norm
obadiah obie
octavius tavi
oliver ollie
orlando lando
oswald ozzie oz
patrick pat paddy patty rick
percival percy
peter pete
philip phil pip
phillip phil
phineas finn
prescott scott
preston pres
quentin quint
randall randy
randolph randy
raphael rafe
raymond ray
reginald reggie reg rex
reuben rube
reynold ray
richard rick ricky rich richie dick
robert bob bobby rob robbie bert
roderick rod roddy rick
rodney rod
roger rog
roland rollie
ronald ron ronnie
rudolph rudy rolf dolph
rupert rupe
russell russ
salvatore sal
samson sam
samuel sam sammy
sanford sandy
sebastian seb bastian
seymour sy
sheldon shelly
sherman sherm
sidney sid
silas si
simon si
solomon sol
spencer spence
stanford stan
stanley stan
stephen steve stevie
steven steve stevie
stewart stu
stuart stu
sylvester sly vester
terence terry
thaddeus tad thad
theodore ted teddy theo
theophilus theo
thomas tom tommy thom
timothy tim timmy
tobias toby
tyler ty
tyrone ty
ulysses lyss
valentine val
vernon vern
victor vic
vincent vince vinny
virgil virg
wallace wally
walter walt wally
warren ren
wendell dell
wesley wes
wilbur will
wilfred wil fred
wilhelm will willy
willard will
william bill billy will willy willie liam
wilson will
winston win
woodrow woody
wyatt wy
zachariah zach zeke
zachary zach zack
zebulon zeb
alberto beto al
alejandro alex alejo
antonio tony toni
eduardo lalo eddie
enrique kike quique
fernando nando
francisco paco pancho frank cisco
gerardo jerry
giovanni gio
giuseppe joe beppe
guillermo memo willie
humberto beto
ignacio nacho
javier javi
jesus chuy
jose pepe joe
luis lucho
manuel manny manolo
rafael rafa
ricardo rick ricky
roberto beto rob
santiago santi
vicente chente
abigail abby abbie gail
adelaide addie ada della
adeline addie
agnes aggie nessa
alexandra alex alexa sandra sandy lexi ali sasha
alexandria alex
alexis lexi alex
alice allie ally
alicia ali allie
allison allie ali
amanda mandy manda
amelia amy millie mia
andrea andi
angela angie
angelica angie
angelina angie lina
ann annie nan nancy
anna annie
anne annie nan
annabelle annie bella
antoinette toni netty
arabella bella
barbara barb barbie babs
beatrice bea trixie
belinda linda
bernadette bernie
bernice bernie
bertha bertie
beverly bev
bridget biddy bridie
camille millie cami
candace candy
caroline carrie carol caro
carolyn carrie carol lynn
cassandra cassie sandy
catherine cathy cat kate katie kay kit
cecilia cece celia cissy
charlene charlie
charlotte charlie lottie lotte
christina chris tina chrissy
christine chris tina chrissy
claudia claudie
concepcion concha
constance connie
consuelo chelo
cordelia delia cordy
cynthia cindy cyndi
daniela dani
danielle dani
daphne daph
deanna dee
deborah deb debbie debra
delilah lila
dolores lola dee
dorothea dora thea dot
dorothy dot dottie dolly dora
edith edie
eileen ellie
elaine lainey
eleanor ellie nell nellie nora elle
elena ellie lena
elizabeth liz lizzie lizzy beth betty betsy bess eliza lisa libby elsie
ellen ellie nell
eloise ellie
emily em emmy millie
emma em emmy
estelle stella
esther essie hetty
eugenia gena genie
evangeline eva evie angie
evelyn evie eve
felicity flick
florence flo flossie
frances fran frannie frankie
francine fran
fredericka freddie
gabrielle gabby gabi
genevieve gen genny evie
georgia georgie
georgina georgie gina
geraldine gerry jerry dina
gertrude gertie trudy
gillian jill gill
gloria glo
graciela chela
gretchen gretta
guadalupe lupe lupita
gwendolyn gwen wendy
hannah annie
harriet hattie
helen nell nellie lena
henrietta etta hetty hattie
isabel izzy bella belle isa
isabella izzy bella belle
jacqueline jackie jacqui
jacquelyn jackie
jane jenny janie
janet jan
janice jan
jeanette nettie jean
jemima mima
jennifer jen jenny jenn
jessica jess jessie
jillian jill
joan joanie
joanna jo joanie
joanne jo joanie
johanna jo hanna
josefina josie
josephine jo josie
judith judy jude
julia julie jules
katherine kathy kate katie kat kay kitty
kathleen kathy kath katie
kathryn kathy kate katie
katrina kat trina
kimberly kim kimmy
kristen kris kristy
kristin kris
laura laurie
lenora nora
leonora leo nora
leticia letty tish
lillian lil lily lilly
lorena lori
lorraine lori
louise lou lulu
lucille lucy lu
lucinda lucy cindy
lydia liddy
mabel mab
madeline maddie maddy
magdalena maggie lena
margaret peggy maggie meg greta marge margie madge molly daisy
maria mari
marilyn lynn
marjorie marge margie
martha marty patty mattie
mary molly polly mae mamie
matilda tilly mattie
melanie mel
melinda mindy mel linda
melissa missy mel lissa
melody mel
mercedes mercy
michelle shelly micki
mildred millie
millicent millie
minerva minnie
miriam mimi
nancy nan
natalie nat
natasha tasha nat
nicole nikki nicky
olivia liv livvy ollie
pamela pam
patricia pat patty trish tricia
pauline polly
penelope penny
philippa pippa
phyllis phyl
priscilla cilla prissy
prudence prue
rachel rae
ramona mona
rebecca becky becca
regina gina
roberta bobbie robbie
rosa rosie
rosalie rosie
rosalind roz
rosemary rose rosie
roxanne roxy
sabrina bree
samantha sam sammy
sandra sandy
sara sally sadie
sarah sally sadie
savannah vanna
shirley shirl
sophia sophie
soledad sole
stephanie steph stevie
susan sue susie suzy
suzanne sue suzy
sylvia syl
tabitha tabby
tamara tammy
teresa terry tess tessa
theodora teddie dora
theresa terry tess tessa
ursula sula
valerie val
vanessa nessa van
veronica ronnie vera nica
victoria vicky vickie tori
virginia ginny ginger
vivian viv
wilhelmina mina willa minnie
winifred winnie freda
yvonne vonnie
`;

/** name -> ids of the groups it belongs to, sorted ascending (usually one or two). */
const GROUPS_OF = new Map<string, Uint16Array>();
/** name -> every other name sharing a group with it, for the synthetic data generator. */
const NICKNAMES_OF = new Map<string, readonly string[]>();
/** Number of formal names (lines) in the table. */
export const NICKNAME_GROUP_COUNT: number = buildTables();

function buildTables(): number {
  const groups = GROUPS.split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((names) => names.length > 1);
  const ids = new Map<string, number[]>();
  groups.forEach((names, id) => {
    for (const n of new Set(names)) {
      const list = ids.get(n);
      if (list === undefined) ids.set(n, [id]);
      else list.push(id);
    }
  });
  for (const [n, list] of ids) {
    GROUPS_OF.set(n, Uint16Array.from(list));
    const others = new Set<string>();
    for (const id of list) for (const m of groups[id]!) if (m !== n) others.add(m);
    NICKNAMES_OF.set(n, Object.freeze([...others]));
  }
  return groups.length;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * True when `a` and `b` are different names of one nickname group: a diminutive and its formal
 * name ("bill", "william") or two diminutives of the same formal name ("bill", "will"). Inputs
 * are normalized lowercase letters; equal names are not nicknames (the caller scores them as exact).
 */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return false;
  const ga = GROUPS_OF.get(a);
  if (ga === undefined) return false;
  const gb = GROUPS_OF.get(b);
  if (gb === undefined) return false;
  // Both lists are sorted and tiny (1-6 entries): a merge walk beats building a set.
  let i = 0;
  let j = 0;
  while (i < ga.length && j < gb.length) {
    const x = ga[i]!;
    const y = gb[j]!;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

/** Every other name sharing a nickname group with `name` ("william" -> bill, billy, will, ...); empty when unknown. */
export function nicknamesOf(name: string): readonly string[] {
  return NICKNAMES_OF.get(name) ?? NONE;
}
