import QtQuick

// The player's overlay; the video itself is drawn underneath by the MpvVideo item.
// Space/Enter play or pause, Left/Right seek 10 s, any key shows the bar, which hides itself
// after a few seconds of playing. Down moves into the bar's buttons (audio, subtitles,
// statistics), Up leaves them; A and S open the audio and subtitle menus, I (or a remote's Info
// or Menu key) shows the statistics.
FocusScope {
    id: page
    // The title page's title is the one playing (Play is pressed there, or set up by playTitle);
    // a manifest played by URL is named by the player bridge.
    readonly property string titleName: browse.title.id === playback.titleId ? (browse.title.title || "") : playback.label
    signal leave()
    signal fullScreenToggled()

    property bool controlsShown: true
    property bool statsShown: false
    readonly property bool menuOpen: audioMenu.open || subtitleMenu.open
    readonly property bool controlsWanted: controlsShown || !playback.playing || menuOpen || barButtons.activeFocus
    function poke() { controlsShown = true; hideTimer.restart() }
    function reset() { closeMenus(); focusVideo(); poke() }
    // Keyboard focus back on the page itself (seeking, play/pause), out of the bar and menus.
    function focusVideo() {
        barButtons.focus = false
        audioMenu.focus = false
        subtitleMenu.focus = false
        page.forceActiveFocus()
    }
    function closeMenus() { audioMenu.hide(); subtitleMenu.hide() }
    function toggleMenu(menu, button) {
        var reopen = !menu.open
        closeMenus()
        poke()
        if (!reopen) return
        var corner = button.mapToItem(page, button.width, 0)
        menu.x = Math.min(page.width - Theme.margin, corner.x) - menu.width
        // Closing gives focus back where it was: the bar's button, or the picture after A or S.
        menu.returnTo = barButtons.activeFocus ? button : null
        menu.show()
    }
    function toggleStats() { statsShown = !statsShown }

    Timer { id: hideTimer; interval: 3500; onTriggered: page.controlsShown = false }

    // Subtitles rise above the bar while it shows, and settle back when it hides.
    readonly property real subtitleRoom: controlsWanted && height > 0 ? (bar.height - Theme.px(40)) / height : 0
    onSubtitleRoomChanged: playback.setSubtitleRoom(subtitleRoom)

    Keys.onSpacePressed: { playback.togglePause(); poke() }
    Keys.onReturnPressed: { playback.togglePause(); poke() }
    Keys.onEnterPressed: { playback.togglePause(); poke() }
    Keys.onLeftPressed: { playback.seekBy(-10); poke() }
    Keys.onRightPressed: { playback.seekBy(10); poke() }
    Keys.onUpPressed: poke()
    Keys.onDownPressed: { poke(); if (playback.state !== "error") audioButton.forceActiveFocus() }
    Keys.onPressed: function (event) {
        var key = event.key
        if (key === Qt.Key_F) page.fullScreenToggled()
        else if (key === Qt.Key_I || key === Qt.Key_Info || key === Qt.Key_Menu) page.toggleStats()
        else if (key === Qt.Key_A) page.toggleMenu(audioMenu, audioButton)
        else if (key === Qt.Key_S) page.toggleMenu(subtitleMenu, subtitleButton)
        else return
        event.accepted = true
    }

    MouseArea {
        anchors.fill: parent
        hoverEnabled: true
        onPositionChanged: page.poke()
        onClicked: {
            if (page.menuOpen) page.closeMenus()
            else playback.togglePause()
            page.poke()
        }
        onDoubleClicked: page.fullScreenToggled()
    }

    // -- top: back and title ----------------------------------------------------------------------
    Item {
        id: top
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Theme.px(140)
        opacity: page.controlsWanted ? 1 : 0
        Behavior on opacity { NumberAnimation { duration: Theme.normal } }
        Rectangle {
            anchors.fill: parent
            gradient: Gradient {
                GradientStop { position: 0.0; color: Qt.rgba(0, 0, 0, 0.8) }
                GradientStop { position: 0.6; color: Qt.rgba(0, 0, 0, 0.4) }
                GradientStop { position: 1.0; color: "transparent" }
            }
        }
        Row {
            anchors { left: parent.left; leftMargin: Theme.margin; top: parent.top; topMargin: Theme.px(40) }
            spacing: Theme.px(18)
            Rectangle {
                width: Theme.px(52); height: width; radius: width / 2
                color: Qt.rgba(1, 1, 1, 0.14)
                anchors.verticalCenter: parent.verticalCenter
                Icon { name: "back"; anchors.centerIn: parent; width: Theme.px(26); height: width; color: Theme.text }
                MouseArea { anchors.fill: parent; cursorShape: Qt.PointingHandCursor; onClicked: page.leave() }
            }
            Label {
                objectName: "playerTitle"
                text: page.titleName
                size: Theme.fontTitle
                font.weight: Font.DemiBold
                anchors.verticalCenter: parent.verticalCenter
            }
        }
        Rectangle {
            objectName: "renditionBadge"
            visible: playback.rendition !== ""
            anchors { right: parent.right; rightMargin: Theme.margin; top: parent.top; topMargin: Theme.px(44) }
            width: renditionLabel.implicitWidth + Theme.px(20)
            height: renditionLabel.implicitHeight + Theme.px(10)
            radius: Theme.px(6)
            color: Qt.rgba(0, 0, 0, 0.45)
            border.color: Qt.rgba(1, 1, 1, 0.25)
            border.width: Math.max(1, Theme.px(1))
            Label {
                id: renditionLabel
                anchors.centerIn: parent
                text: playback.rendition
                size: Theme.fontSmall
                font.weight: Font.DemiBold
                color: Theme.textDim
            }
        }
    }

    // -- bottom: play/pause, seek bar, times ------------------------------------------------------
    Item {
        id: bar
        objectName: "controlBar"
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: Theme.px(170)
        opacity: page.controlsWanted ? 1 : 0
        visible: opacity > 0
        Behavior on opacity { NumberAnimation { duration: Theme.normal } }
        Rectangle {
            anchors.fill: parent
            gradient: Gradient {
                GradientStop { position: 0.0; color: "transparent" }
                GradientStop { position: 0.4; color: Qt.rgba(0, 0, 0, 0.5) }
                GradientStop { position: 1.0; color: Qt.rgba(0, 0, 0, 0.88) }
            }
        }
        Item {
            id: seek
            anchors { left: parent.left; right: parent.right; bottom: controls.top
                      leftMargin: Theme.margin; rightMargin: Theme.margin; bottomMargin: Theme.px(18) }
            height: Theme.px(24)
            readonly property real total: Math.max(playback.duration, 0.001)
            Rectangle {
                id: track
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
                height: Theme.px(5)
                radius: height / 2
                color: Qt.rgba(1, 1, 1, 0.2)
                Rectangle {
                    // buffered ahead of the playhead
                    x: played.width
                    width: Math.min(track.width - x, track.width * playback.buffer / seek.total)
                    height: parent.height
                    radius: parent.radius
                    color: Qt.rgba(1, 1, 1, 0.35)
                }
                Rectangle {
                    id: played
                    width: track.width * Math.min(1, playback.position / seek.total)
                    height: parent.height
                    radius: parent.radius
                    color: Theme.accent
                }
            }
            Rectangle {
                width: Theme.px(18); height: width; radius: width / 2
                color: Theme.text
                x: played.width - width / 2
                anchors.verticalCenter: parent.verticalCenter
            }
            MouseArea {
                anchors.fill: parent
                cursorShape: Qt.PointingHandCursor
                onClicked: function (mouse) { playback.seekTo(seek.total * mouse.x / width); page.poke() }
            }
        }
        Row {
            id: controls
            anchors { left: parent.left; leftMargin: Theme.margin; bottom: parent.bottom; bottomMargin: Theme.px(36) }
            spacing: Theme.px(24)
            Icon {
                objectName: "playPauseIcon"
                name: playback.playing ? "pause" : "play"
                width: Theme.px(34); height: width
                color: Theme.text
                anchors.verticalCenter: parent.verticalCenter
                MouseArea { anchors.fill: parent; anchors.margins: -Theme.px(10); onClicked: playback.togglePause() }
            }
            Label {
                objectName: "timeLabel"
                text: Theme.clock(playback.position) + "  /  " + Theme.clock(playback.duration)
                size: Theme.fontBody
                font.features: { "tnum": 1 }
                color: Theme.textDim
                anchors.verticalCenter: parent.verticalCenter
            }
        }
        Label {
            anchors { left: controls.right; leftMargin: Theme.px(40); right: barButtons.left; rightMargin: Theme.px(40)
                      verticalCenter: controls.verticalCenter }
            horizontalAlignment: Text.AlignHCenter
            text: "Space  play/pause     ←/→  10 s     ↓  audio & subtitles     I  statistics     Esc  back"
            size: Theme.fontCaption
            color: Theme.textFaint
        }
        // Reached with Down from the picture; Left/Right between them, Up or Esc back out.
        FocusScope {
            id: barButtons
            objectName: "barButtons"
            anchors { right: parent.right; rightMargin: Theme.margin; verticalCenter: controls.verticalCenter }
            width: buttonRow.implicitWidth
            height: buttonRow.implicitHeight
            Keys.onUpPressed: { page.focusVideo(); page.poke() }
            Keys.onPressed: function (event) {
                var key = event.key
                if (key === Qt.Key_Escape || key === Qt.Key_Back || key === Qt.Key_Backspace) page.focusVideo()
                else if (key !== Qt.Key_Left && key !== Qt.Key_Right && key !== Qt.Key_Down) return
                event.accepted = true  // never seek or leave from here
            }
            Row {
                id: buttonRow
                spacing: Theme.px(12)
                BarButton {
                    id: audioButton
                    objectName: "audioButton"
                    focus: true
                    icon: "audio"
                    text: playback.tracks.audioName || "Audio"
                    checked: audioMenu.open
                    KeyNavigation.right: subtitleButton
                    onActivated: page.toggleMenu(audioMenu, audioButton)
                }
                BarButton {
                    id: subtitleButton
                    objectName: "subtitleButton"
                    icon: "subtitles"
                    text: playback.tracks.subtitleName
                    checked: subtitleMenu.open
                    KeyNavigation.left: audioButton
                    KeyNavigation.right: statsButton
                    onActivated: page.toggleMenu(subtitleMenu, subtitleButton)
                }
                BarButton {
                    id: statsButton
                    objectName: "statsButton"
                    icon: "info"
                    checked: page.statsShown
                    KeyNavigation.left: subtitleButton
                    onActivated: page.toggleStats()
                }
            }
        }
    }

    StatsOverlay {
        objectName: "statsOverlay"
        shown: page.statsShown
        x: Theme.margin
        y: Theme.px(132)
    }

    TrackMenu {
        id: audioMenu
        objectName: "audioMenu"
        property Item returnTo: null
        heading: "Audio"
        choices: playback.tracks.audio
        y: page.height - bar.height + Theme.px(40) - height
        onChosen: function (code) { playback.setAudioLanguage(code) }
        onClosed: if (activeFocus) returnTo ? returnTo.forceActiveFocus() : page.focusVideo()
    }
    TrackMenu {
        id: subtitleMenu
        objectName: "subtitleMenu"
        property Item returnTo: null
        heading: "Subtitles"
        choices: playback.tracks.subtitles
        y: page.height - bar.height + Theme.px(40) - height
        onChosen: function (code) { playback.setSubtitles(code) }
        onClosed: if (activeFocus) returnTo ? returnTo.forceActiveFocus() : page.focusVideo()
    }

    // Paused: the picture dims and a play mark sits in the middle.
    Rectangle {
        anchors.fill: parent
        color: "black"
        opacity: playback.state === "paused" ? 0.35 : 0
        Behavior on opacity { NumberAnimation { duration: Theme.normal } }
        z: -1
    }
    Rectangle {
        objectName: "pausedMark"
        anchors.centerIn: parent
        width: Theme.px(112); height: width; radius: width / 2
        color: Qt.rgba(0, 0, 0, 0.55)
        border.color: Qt.rgba(1, 1, 1, 0.35)
        border.width: Math.max(1, Theme.px(2))
        opacity: playback.state === "paused" ? 1 : 0
        visible: opacity > 0
        scale: playback.state === "paused" ? 1 : 0.8
        Behavior on opacity { NumberAnimation { duration: Theme.normal } }
        Behavior on scale { NumberAnimation { duration: Theme.normal; easing.type: Easing.OutBack } }
        Icon {
            name: "play"
            anchors.centerIn: parent
            anchors.horizontalCenterOffset: Theme.px(4)
            width: Theme.px(48); height: width
            color: Theme.text
        }
    }
    Spinner {
        anchors.centerIn: parent
        width: Theme.px(72); height: width
        visible: playback.busy && playback.state !== "error"
    }
    Rectangle {
        anchors.fill: parent
        visible: playback.state === "error"
        color: Qt.rgba(0, 0, 0, 0.78)
        MessagePanel {
            objectName: "playerError"
            anchors.centerIn: parent
            width: implicitWidth
            heading: "Playback stopped"
            detail: playback.error
            actionText: "Back"
            focus: parent.visible
            onAction: page.leave()
        }
    }
}
